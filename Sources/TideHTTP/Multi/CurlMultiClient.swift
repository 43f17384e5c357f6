import CCurl
import Foundation
import TideCore

/// An HTTP client that runs any number of transfers at once on one thread (libcurl's multi
/// interface), so hundreds of long-lived streams (watches, followed logs) cost no thread each.
///
/// Requests are handed to the loop thread under a lock and the thread is woken with
/// `curl_multi_wakeup`; results come back through continuations. Connections are pooled by the
/// multi handle and reused.
public final class CurlMultiClient: @unchecked Sendable {
    // Invariant: `multi`, `active` and every easy handle are touched only on the loop thread;
    // `inbox`, `cancelled` and `stopped` only while holding `lock`.
    private let multi: UnsafeMutableRawPointer?
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private let lock = NSLock()
    private var inbox: [Transfer] = []
    private var cancelled: Set<Int> = []
    private var stopped = false
    private let nextID = LockedBox(0)

    /// Starts the loop thread.
    /// - Parameter name: names the thread.
    public init(name: String = "http") {
        _ = CurlGlobal.initialized
        multi = curl_multi_init()
        let thread = Thread { [self] in loop() }
        thread.name = "tide-curl-multi-\(name)"
        thread.start()
    }

    /// Sends a request and reads the whole response. Any HTTP status is a response.
    /// - Throws: ``HTTPClientError`` when no response arrives; `CancellationError` when cancelled.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let id = nextID.mutate { value -> Int in
            value += 1
            return value
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                submit(Transfer(id: id, request: request, mode: .buffered(continuation)))
            }
        } onCancel: {
            cancel(id)
        }
    }

    /// Sends a request and returns once the status line and headers are in; the body streams.
    /// - Throws: ``HTTPClientError`` when no response arrives.
    public func stream(_ request: HTTPRequest) async throws -> HTTPStream {
        let id = nextID.mutate { value -> Int in
            value += 1
            return value
        }
        let (body, bodyContinuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        bodyContinuation.onTermination = { [weak self] _ in self?.cancel(id) }
        let status = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                submit(
                    Transfer(id: id, request: request, mode: .streaming(status: continuation, body: bodyContinuation)))
            }
        } onCancel: {
            cancel(id)
        }
        return HTTPStream(status: status, body: body)
    }

    /// Fails every open transfer and stops the thread.
    public func close() {
        lock.withLock { stopped = true }
        curl_multi_wakeup(multi)
    }

    private func submit(_ transfer: Transfer) {
        let accepted = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            inbox.append(transfer)
            return true
        }
        if accepted {
            curl_multi_wakeup(multi)
        } else {
            transfer.fail(
                HTTPClientError(
                    code: .transport, method: transfer.request.method,
                    url: SecretRedaction.redactingPassword(in: transfer.request.url), message: "client is closed"))
        }
    }

    private func cancel(_ id: Int) {
        lock.withLock { _ = cancelled.insert(id) }
        curl_multi_wakeup(multi)
    }

    // MARK: - On the loop thread

    private func loop() {
        while true {
            let (added, toCancel, stop) = lock.withLock { () -> ([Transfer], Set<Int>, Bool) in
                defer {
                    inbox = []
                    cancelled = []
                }
                return (inbox, cancelled, stopped)
            }
            for transfer in added {
                if toCancel.contains(transfer.id) {
                    transfer.fail(CancellationError())
                } else if let handle = transfer.start() {
                    active[handle] = transfer
                    curl_multi_add_handle(multi, handle)
                }
            }
            if !toCancel.isEmpty {
                for (handle, transfer) in active where toCancel.contains(transfer.id) {
                    remove(handle)?.fail(CancellationError())
                }
            }
            if stop {
                for handle in Array(active.keys) {
                    remove(handle)?.fail(
                        HTTPClientError(code: .transport, method: "-", url: "-", message: "client is closed"))
                }
                curl_multi_cleanup(multi)
                return
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
                let result = message.pointee.data.result
                remove(handle)?.complete(result)
            }
            // Sleeps until a socket is ready, a wakeup arrives, or curl's own timers are due.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func remove(_ handle: UnsafeMutableRawPointer) -> Transfer? {
        guard let transfer = active.removeValue(forKey: handle) else { return nil }
        curl_multi_remove_handle(multi, handle)
        return transfer
    }
}

/// Runs `curl_global_init` once per process, before the first handle.
enum CurlGlobal {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}
