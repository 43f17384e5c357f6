import Foundation
import TideCore

/// Writes output to a file handle line by line with secret values replaced by `***`. A secret is
/// masked only within a line, so output is held back until its line ends (or `finish`).
/// Used from one thread only (the output thread of `tide tasks run`).
final class MaskingLineWriter: @unchecked Sendable {
    private let handle: FileHandle
    private let secrets: [String]
    private var pending: [UInt8] = []

    init(handle: FileHandle, secrets: [String]) {
        self.handle = handle
        self.secrets = secrets
    }

    func write(_ bytes: [UInt8]) {
        guard !secrets.isEmpty else { return handle.write(Data(bytes)) }
        pending.append(contentsOf: bytes)
        guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else { return }
        emit(Array(pending[...lastNewline]))
        pending.removeFirst(lastNewline + 1)
    }

    func finish() {
        if !pending.isEmpty { emit(pending) }
        pending = []
    }

    private func emit(_ bytes: [UInt8]) {
        let text = SecretRedaction.masking(secrets, in: String(decoding: bytes, as: UTF8.self))
        handle.write(Data(text.utf8))
    }
}
