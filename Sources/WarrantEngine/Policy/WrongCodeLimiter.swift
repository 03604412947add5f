import Synchronization
import WarrantStore

/// Wrong user codes per service (RFC 8628 §5.1): after ``perMinute`` in one minute, lookups of the service's
/// user codes on this node are refused until the minute is over, so that codes cannot be guessed. Only
/// services that exist are counted (the caller has been let in to one), and a service's attacker slows that
/// service alone.
final class WrongCodeLimiter: Sendable {
    static let perMinute = 20
    static let window: Int64 = 60_000

    private struct Window {
        var start: Int64
        var wrong: Int
    }

    private let windows = Mutex(BoundedCache<Int64, Window>(limit: 10_000))

    /// Milliseconds until the service may look codes up again; nil when it may now.
    func wait(service: Int64, now: Int64) -> Int64? {
        windows.withLock { windows in
            guard let window = windows[service], now < window.start + Self.window, window.wrong >= Self.perMinute else { return nil }
            return window.start + Self.window - now
        }
    }

    func recordWrong(service: Int64, now: Int64) {
        windows.withLock { windows in
            if let window = windows[service], now < window.start + Self.window {
                windows[service] = Window(start: window.start, wrong: window.wrong + 1)
            } else {
                windows[service] = Window(start: now, wrong: 1)
            }
        }
    }
}
