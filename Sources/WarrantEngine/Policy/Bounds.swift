import Foundation

/// Bounds on times, durations and counts that come from outside warrant: requests, stored settings and
/// foreign JWTs. The spec states most of them, so the generated validators refuse larger values with a 400;
/// what is computed from them saturates instead of trapping, so a value stored before a bound existed, or
/// a claim in someone else's token, cannot stop the process.
enum Bounds {
    /// The longest lifetime of anything warrant issues: ten years, in seconds.
    static let maximumDuration: Int64 = 315_360_000
    /// The most entries one page of a list holds.
    static let pageSize: Int32 = 1000

    /// A duration in seconds within 0 and ``maximumDuration``.
    static func duration(_ seconds: Int64) -> Int64 {
        min(max(seconds, 0), maximumDuration)
    }

    /// A duration a setting or a call gave, bounded; nil when it gave none or 0, which Authlete's API and
    /// SDKs send for "not given".
    static func givenDuration(_ seconds: Int64?) -> Int64? {
        guard let seconds, seconds > 0 else { return nil }
        return duration(seconds)
    }

    /// When something made at `now` (milliseconds) expires after `seconds`, bounded.
    static func expiry(from now: Int64, seconds: Int64) -> Int64 {
        now.saturatingAdding(duration(seconds).saturatingMultiplied(by: 1000))
    }

    /// Seconds since the epoch (a JWT's exp, nbf or iat) as milliseconds, saturating.
    static func milliseconds(fromSeconds seconds: Int64) -> Int64 {
        seconds.saturatingMultiplied(by: 1000)
    }

    /// A JWT date (decoded by jwt-kit from someone's number) as milliseconds since the epoch, saturating.
    static func milliseconds(from date: Date) -> Int64 {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard milliseconds.isFinite else { return milliseconds > 0 ? .max : .min }
        return Int64(exactly: milliseconds) ?? (milliseconds > 0 ? .max : .min)
    }

    /// The limit of a page from `start` to `end` (start ≤ end, checked by the caller).
    static func pageLimit(start: Int32, end: Int32) -> Int {
        Int(min(end.saturatingSubtracting(start), pageSize))
    }
}

extension FixedWidthInteger {
    func saturatingAdding(_ other: Self) -> Self {
        let (result, overflow) = addingReportingOverflow(other)
        guard overflow else { return result }
        return other > 0 ? .max : .min
    }

    func saturatingSubtracting(_ other: Self) -> Self {
        let (result, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return result }
        return other > 0 ? .min : .max
    }

    func saturatingMultiplied(by other: Self) -> Self {
        let (result, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return result }
        return (self < 0) == (other < 0) ? .max : .min
    }
}
