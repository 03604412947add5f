import SpecRuntime
import WarrantAPI
import WarrantStore

/// How warrant answers a call it could not process. A runtime API answers 500 with action
/// INTERNAL_SERVER_ERROR and an OAuth `server_error` for the client, so a front end written for Authlete does
/// what it does with any action; a management API answers 503 when the database is at fault (retry later) and
/// 500 otherwise. The result code names the fault: a full disk and a read-only file each have their own.
enum FaultAnswer {
    @Sendable static func answer(_ error: any Error, operationID: String) -> (status: Int, body: JSONValue)? {
        let (result, isDatabaseFault) = result(for: error)
        let message = "[\(result.code)] \(operationID): \(result.text)"
        if RuntimeLimits.operations.contains(operationID) {
            let content = OAuthError("server_error", result.text, result).jsonBody()
            let body = RuntimeFailure(resultCode: result.code, resultMessage: message, action: .internalServerError, responseContent: content)
            return (500, body.jsonValue)
        }
        return (isDatabaseFault ? 503 : 500, ApiResult(resultCode: result.code, resultMessage: message).jsonValue)
    }

    /// The result code of a fault, and whether the database is the cause.
    static func result(for error: any Error) -> (ResultCode, isDatabaseFault: Bool) {
        switch error {
        case StoreError.unavailable(.diskFull): (.diskFull, true)
        case StoreError.unavailable(.readOnly): (.databaseReadOnly, true)
        case StoreError.unavailable(.failed): (.databaseUnavailable, true)
        default: (.internalError, false)
        }
    }

    /// The health check's answer to a failed write: any failure means the database does not take writes.
    static func health(for error: any Error) -> (ResultCode, status: String) {
        switch result(for: error).0 {
        case .diskFull: (.diskFull, "DISK_FULL")
        case .databaseReadOnly: (.databaseReadOnly, "DATABASE_READ_ONLY")
        default: (.databaseUnavailable, "DATABASE_UNAVAILABLE")
        }
    }
}
