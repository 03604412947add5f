import Logging
import Synchronization
import SpecRuntime
import WarrantAPI
import WarrantStore

/// /auth/token/create/batch: many tokens created in the background, all or nothing, with a status to ask.
extension WarrantEngine {
    static let tokenBatchLimit = 1000
    /// A batch still running after this long was cut off with its process: its transaction left nothing.
    static let tokenBatchTimeout: Int64 = 10 * 60 * 1000

    public func tokenCreateBatch(_ input: Operations.TokenCreateBatch.Input) async throws -> Operations.TokenCreateBatch.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        let requests = input.body
        guard requests.count <= Self.tokenBatchLimit else {
            throw APIFailure.invalid(
                .tokenBatchInvalid,
                [Violation(location: .body, path: "", message: "holds \(requests.count) requests; a batch holds at most \(Self.tokenBatchLimit)")])
        }
        // Every request is checked before any token is made, and every problem is answered at once.
        let creation = TokenCreation(clients: clients)
        var accepted: [IssueRequest] = []
        var violations: [Violation] = []
        var chosen = Set<String>()
        for (index, body) in requests.enumerated() {
            switch try await creation.accept(body, service: service) {
            case .success(let found): accepted.append(found.issue)
            case .failure(let refusal): violations.append(Violation(location: .body, path: "/\(index)", message: refusal.why))
            }
            for (name, value) in [("accessToken", body.accessToken), ("refreshToken", body.refreshToken)] {
                guard let value else { continue }
                let taken = name == "accessToken"
                    ? try await store.accessToken(hash: Secrets.hash(value)) != nil : try await store.refreshToken(hash: Secrets.hash(value)) != nil
                if taken || !chosen.insert(value).inserted {
                    violations.append(Violation(location: .body, path: "/\(index)/\(name)", message: "is in use already, or chosen twice in the batch"))
                }
            }
        }
        guard violations.isEmpty else { throw APIFailure.invalid(.tokenBatchInvalid, violations) }

        let dryRun = input.query.dryRun
        // A slot is taken before anything is stored, and given back when the batch's work ends.
        guard dryRun || batchSlots.take() else { throw APIFailure(429, .tokenBatchesBusy) }
        let time = now()
        let requestId = Secrets.identifier()
        do {
            try await store.insertTokenBatch(
                TokenBatchRecord(
                    requestId: requestId, serviceApiKey: service.apiKey, state: dryRun ? .succeeded : .running, createdAt: time, modifiedAt: time))
        } catch {
            if !dryRun { batchSlots.giveBack() }
            throw error
        }
        if !dryRun {
            let batch = TokenBatchRun(store: store, issuance: DirectIssuance(store: store, issuer: issuer), logger: logger, now: now)
            let serviceApiKey = service.apiKey
            let issues = accepted
            let slots = batchSlots
            Task {
                await batch.run(requestId, serviceApiKey: serviceApiKey, issues)
                slots.giveBack()
            }
        }
        logger.info("token batch accepted", metadata: ["batch": "\(requestId)", "requests": "\(accepted.count)", "dryRun": "\(dryRun)"])
        return .ok(
            TokenCreateBatchResponse(
                resultCode: ResultCode.tokenBatchAccepted.code, resultMessage: ResultCode.tokenBatchAccepted.message, requestId: requestId))
    }

    public func tokenCreateBatchStatus(_ input: Operations.TokenCreateBatchStatus.Input) async throws -> Operations.TokenCreateBatchStatus.Output {
        let service = try await servicePolicy(input.path.serviceId, input.credentials)
        guard var batch = try await store.tokenBatch(requestId: input.path.requestId, serviceApiKey: service.apiKey) else {
            throw APIFailure.notFound(.tokenBatchNotFound)
        }
        let time = now()
        if batch.state == .running, time.saturatingSubtracting(batch.createdAt) > Self.tokenBatchTimeout {
            let result = ResultCode.tokenBatchInterrupted
            if try await store.failTokenBatch(
                requestId: batch.requestId, serviceApiKey: service.apiKey, errorCode: result.code, errorDescription: result.text, now: time)
            {
                batch = try await store.tokenBatch(requestId: batch.requestId, serviceApiKey: service.apiKey) ?? batch
            }
        }
        let result: TokenBatchResult? = switch batch.state {
        case .running: nil
        case .succeeded: .succeeded
        case .failed: .failed
        }
        return .ok(
            TokenBatchStatusResponse(
                resultCode: ResultCode.tokenBatchStatusRead.code, resultMessage: ResultCode.tokenBatchStatusRead.message,
                status: TokenBatchStatus(
                    batchKind: .create, requestId: batch.requestId, result: result, errorCode: batch.errorCode,
                    errorDescription: batch.errorDescription, tokenCount: batch.tokenCount, createdAt: batch.createdAt,
                    modifiedAt: batch.modifiedAt)))
    }
}

/// How many token batches run at once in this process.
final class TokenBatchSlots: Sendable {
    private let used: Mutex<Int>
    let limit: Int

    init(limit: Int) {
        self.limit = limit
        used = Mutex(0)
    }

    /// False when every slot is taken.
    func take() -> Bool {
        used.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func giveBack() {
        used.withLock { $0 = max(0, $0 - 1) }
    }
}

/// A batch's work, apart from the request that accepted it: makes the tokens and stores them with the
/// batch's completion in one transaction; on any failure the batch is marked failed and nothing of it is stored.
private struct TokenBatchRun: Sendable {
    let store: any WarrantStore
    let issuance: DirectIssuance
    let logger: Logger
    let now: @Sendable () -> Int64

    func run(_ requestId: String, serviceApiKey: Int64, _ requests: [IssueRequest]) async {
        do {
            var records: [IssuedRecords] = []
            records.reserveCapacity(requests.count)
            for request in requests { records.append(try await issuance.prepare(request).0) }
            if try await store.completeTokenBatch(requestId: requestId, serviceApiKey: serviceApiKey, issues: records, now: now()) {
                logger.info("token batch created", metadata: ["batch": "\(requestId)", "tokens": "\(records.count)"])
            } else {
                logger.info("token batch no longer running; nothing stored", metadata: ["batch": "\(requestId)"])
            }
        } catch {
            let result: ResultCode =
                switch error {
                case StoreError.duplicate: .tokenBatchValueTaken
                case StoreError.missing: .tokenBatchClientGone
                default: .internalError
                }
            logger.error("token batch failed", metadata: ["batch": "\(requestId)", "error": "\(error)"])
            _ = try? await store.failTokenBatch(
                requestId: requestId, serviceApiKey: serviceApiKey, errorCode: result.code, errorDescription: result.text, now: now())
        }
    }
}
