import Foundation
import Testing
import TideCore

@testable import TideAPI

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("escapes what JSON needs escaped and reads back as the same value")
    func roundTrips() throws {
        let value: JSONValue = .object([
            "text": .string("quote \" backslash \\ newline \n tab \t bell \u{7} snow ☃ emoji 🌊"),
            "null": .null, "yes": .bool(true), "int": .number(42), "negative": .number(-7), "fraction": .number(0.25),
            "big": .number(1_796_353_445_123), "list": .array([.number(1), .string("two"), .array([])]),
            "nested": .object(["empty": .object([:])]),
        ])
        let bytes = JSONWriter.bytes(value)
        #expect(try JSONValue.decode(bytes) == value)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#"bell \u0007 snow"#))
        #expect(text.contains(#""int":42,"#))
        #expect(!text.contains("\n"))
    }

    @Test("keys are sorted, so equal values give equal bytes (and ETags)")
    func sortsKeys() {
        let text = String(decoding: JSONWriter.bytes(.object(["b": .null, "a": .null, "c": .null])), as: UTF8.self)
        #expect(text == #"{"a":null,"b":null,"c":null}"#)
    }

    @Test("numbers that are not finite become null instead of invalid JSON")
    func nonFinite() {
        #expect(JSONWriter.format(.infinity) == "null")
        #expect(JSONWriter.format(.nan) == "null")
    }
}

@Suite("ETags")
struct ETagTests {
    @Test("the same bytes give the same tag, any change another one, whatever the length")
    func tags() {
        for length in [0, 1, 7, 8, 9, 1000] {
            let body = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            #expect(JSONResponse.fnv1a(body) == JSONResponse.fnv1a(body))
            #expect(JSONResponse.fnv1a(body).count == 16)
            if length > 0 {
                var changed = body
                changed[length - 1] ^= 1
                #expect(JSONResponse.fnv1a(changed) != JSONResponse.fnv1a(body))
            }
        }
        #expect(JSONResponse.fnv1a(Array("{\"a\":1}".utf8)) != JSONResponse.fnv1a(Array("{\"a\":2}".utf8)))
    }
}
