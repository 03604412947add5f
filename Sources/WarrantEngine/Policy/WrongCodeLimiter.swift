import Synchronization
import WarrantStore

/// Wrong user codes per service (RFC 8628 §5.1): after ``perMinute`` in one minute, lookups of the service's
/// user codes on this node are refused until the minute is over, so that codes cannot be guessed. Each
/// lookup is counted before it is made and given back when it finds a code, so guesses sent at once are
/// counted all the same. Only services that exist are counted (the caller has been let in to one).
final class WrongCodeLimiter: Sendable {
    /// With codes of 33 bits at least, 100 guesses a minute against a thousand live codes take about 48 days
    /// of continuous guessing for an even chance.
    static let perMinute = 100
    static let window: Int64 = 60_000

    private struct Window {
        var start: Int64
        var counted: Int
    }

    private let windows = Mutex(BoundedCache<Int64, Window>(limit: 10_000))

    /// Counts a lookup; nil when it may go ahead, else the milliseconds until the service may look codes up again.
    func admit(service: Int64, now: Int64) -> Int64? {
        windows.withLock { windows in
            guard let window = windows[service], now < window.start + Self.window else {
                windows[service] = Window(start: now, counted: 1)
                return nil
            }
            guard window.counted < Self.perMinute else { return window.start + Self.window - now }
            windows[service] = Window(start: window.start, counted: window.counted + 1)
            return nil
        }
    }

    /// Gives back a lookup that found a code: only wrong codes count.
    func found(service: Int64, now: Int64) {
        windows.withLock { windows in
            if let window = windows[service], now < window.start + Self.window, window.counted > 0 {
                windows[service] = Window(start: window.start, counted: window.counted - 1)
            }
        }
    }
}
