import CProcessSpawn
import Foundation
import Synchronization

/// Waits for descriptors to become readable (a task's output pipe, a process descriptor) on one
/// thread of its own with `epoll`, so that a try waiting for its process holds no thread.
///
/// Each wait arms its descriptor once (`EPOLLONESHOT`): the event disarms it again, so a
/// descriptor never wakes anyone who is not waiting. Owners call ``forget(_:armed:)`` before they
/// close a descriptor they waited on.
final class DescriptorReadiness: Sendable {
    /// The one instance a process needs; its thread starts with the first use.
    static let shared = DescriptorReadiness()

    private let epoll: Int32
    private let waiting = Mutex<[Int32: CheckedContinuation<Bool, Never>]>([:])

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { return }
        let thread = Thread { [self] in self.loop() }
        thread.name = "tide-readiness"
        thread.start()
    }

    /// Returns when `descriptor` is readable (or at its end, or in error: the read tells which).
    /// False when it cannot be watched; the caller must then not wait on it again.
    /// - Parameter armed: whether this descriptor was waited on before; set by the call.
    func readable(_ descriptor: Int32, armed: inout Bool) async -> Bool {
        guard epoll >= 0 else { return false }
        let operation = armed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD
        armed = true
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            waiting.withLock { $0[descriptor] = continuation }
            var event = epoll_event(
                events: EPOLLIN.rawValue | EPOLLONESHOT.rawValue, data: epoll_data_t(fd: descriptor))
            guard epoll_ctl(epoll, operation, descriptor, &event) != 0 else { return }
            let unwatched = waiting.withLock { $0.removeValue(forKey: descriptor) }
            unwatched?.resume(returning: false)
        }
    }

    /// Stops watching `descriptor` before its owner closes it (its number may soon name another).
    func forget(_ descriptor: Int32, armed: Bool) {
        guard armed, epoll >= 0 else { return }
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, descriptor, nil)
    }

    private func loop() {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while true {
            let count = epoll_wait(epoll, &events, Int32(events.count), -1)
            guard count > 0 else { continue }
            let ready = events.prefix(Int(count)).map { $0.data.fd }
            let continuations = waiting.withLock { waiting in ready.compactMap { waiting.removeValue(forKey: $0) } }
            for continuation in continuations { continuation.resume(returning: true) }
        }
    }
}
