import NIOCore
import PodiumPersistence
import Testing

func resp(_ args: String...) -> [UInt8] {
    var out = Array("*\(args.count)\r\n".utf8)
    for a in args { out += Array("$\(a.utf8.count)\r\n\(a)\r\n".utf8) }
    return out
}

/// Parses everything the parser accepts from `bytes`: the commands, and whether it stopped on an incomplete item.
func parseAll(_ bytes: [UInt8]) throws -> (commands: [[String]], ends: [Int], incomplete: Bool) {
    var parser = AOFParser()
    var buffer = ByteBuffer(bytes: bytes)
    var base = 0
    var commands: [[String]] = []
    var ends: [Int] = []
    while true {
        switch try parser.next(in: buffer, base: base) {
        case .incomplete:
            return (commands, ends, buffer.readableBytes > 0)
        case .annotation(_, let end):
            buffer.moveReaderIndex(forwardBy: end - base)
            base = end
        case .command(let args, let end):
            commands.append(args.map { String(buffer: $0) })
            ends.append(end)
            buffer.moveReaderIndex(forwardBy: end - base)
            base = end
        }
    }
}

@Suite struct AOFFormatTests {
    static let log: [UInt8] =
        resp("SELECT", "0") + resp("SET", "key", "value") + Array("#TS:1700000000\r\n".utf8)
        + resp("MULTI") + resp("INCR", "n") + resp("EXEC") + resp("SET", "bin", "a\r\nb") + resp("SET", "e", "")

    @Test func encodesWhatValkeyWrites() {
        var out = ByteBuffer()
        AOFFormat.writeCommand(
            [ByteBuffer(string: "SET"), ByteBuffer(string: "k"), ByteBuffer(string: "")], into: &out)
        AOFFormat.writeSelect(12, into: &out)
        AOFFormat.writeTimestampAnnotation(1_700_000_000, into: &out)
        #expect(
            String(buffer: out)
                == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n#TS:1700000000\r\n")
    }

    @Test func readsCommandsAndSkipsAnnotations() throws {
        let (commands, _, incomplete) = try parseAll(Self.log)
        #expect(!incomplete)
        #expect(
            commands == [
                ["SELECT", "0"], ["SET", "key", "value"], ["MULTI"], ["INCR", "n"], ["EXEC"],
                ["SET", "bin", "a\r\nb"], ["SET", "e", ""],
            ])
    }

    /// A log cut at any byte offset yields exactly the commands that end at or before the cut, then "incomplete"
    /// (never a format error): what lets a loader cut a crashed file back to its last whole command.
    @Test func everyPrefixParsesToItsWholeCommands() throws {
        let (_, allEnds, _) = try parseAll(Self.log)
        for cut in 0...Self.log.count {
            let (commands, ends, incomplete) = try parseAll(Array(Self.log[0..<cut]))
            let whole = allEnds.filter { $0 <= cut }
            #expect(ends == whole, "cut \(cut)")
            #expect(commands.count == whole.count, "cut \(cut)")
            let consumed = ends.last ?? 0
            // Whatever is left is the start of an item (an annotation counts as consumed only when whole).
            #expect(incomplete == (cut > consumed && !Self.annotationEnds(at: cut)), "cut \(cut)")
        }
    }

    /// True if `cut` is exactly the end of the annotation line (then nothing is left over).
    static func annotationEnds(at cut: Int) -> Bool {
        let text = Array(log[0..<cut])
        return text.count >= 16 && String(decoding: text.suffix(16), as: UTF8.self) == "#TS:1700000000\r\n"
    }

    @Test func damageIsReportedWithItsOffset() {
        func damage(_ bytes: [UInt8]) -> AOFParser.FormatError? {
            do {
                _ = try parseAll(bytes)
                return nil
            } catch { return error as? AOFParser.FormatError }
        }
        #expect(damage(Array("x".utf8))?.offset == 0)
        #expect(damage(resp("SET", "a", "1") + Array("*x\r\n".utf8))?.offset == resp("SET", "a", "1").count)
        #expect(damage(Array("*0\r\n".utf8))?.reason == "invalid argument count 0")
        #expect(damage(Array("*1\r\n+OK\r\n".utf8))?.offset == 4)
        #expect(damage(Array("*1\r\n$2\r\nOKxx".utf8))?.reason == "expected \\r\\n after a bulk string")
        #expect(damage(Array("*1\r\n$-1\r\n".utf8))?.reason == "invalid bulk length -1")
        #expect(damage(Array(repeating: UInt8(ascii: "#"), count: 2000))?.reason == "annotation line too long")
        #expect(damage(Array("*1".utf8) + Array(repeating: UInt8(ascii: "1"), count: 2000)) != nil)
    }
}

@Suite struct AOFManifestTests {
    static let text =
        "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.3.incr.aof seq 3 type h\n"
        + "file appendonly.aof.4.incr.aof seq 4 type i\nfile appendonly.aof.5.incr.aof seq 5 type i\n"

    @Test func parsesAndRendersValkeysFormat() throws {
        let m = try AOFManifest.parse(Array(Self.text.utf8))
        #expect(m.base?.name == "appendonly.aof.2.base.aof")
        #expect(m.history.map(\.name) == ["appendonly.aof.3.incr.aof"])
        #expect(m.incrementals.map(\.sequence) == [4, 5])
        #expect(
            m.filesToLoad.map(\.name) == [
                "appendonly.aof.2.base.aof", "appendonly.aof.4.incr.aof",
                "appendonly.aof.5.incr.aof",
            ])
        #expect(String(decoding: m.render(), as: UTF8.self) == Self.text)
    }

    @Test func acceptsCommentsQuotesAndUnknownKeys() throws {
        let m = try AOFManifest.parse(Array("# comment\nfile \"a b.aof\" seq 1 type i extra value\n".utf8))
        #expect(m.incrementals.first?.name == "a b.aof")
        #expect(String(decoding: m.render(), as: UTF8.self) == "file \"a b.aof\" seq 1 type i\n")
    }

    @Test func rejectsWhatValkeyRejects() {
        func reason(_ text: String) -> String? {
            do {
                _ = try AOFManifest.parse(Array(text.utf8))
                return nil
            } catch let error as AOFManifest.ParseError {
                return error.reason
            } catch { return "\(error)" }
        }
        #expect(reason("") == "Found an empty AOF manifest")
        #expect(reason("file a seq 1\n") == "Invalid AOF manifest file format")
        #expect(reason("file a seq 1 type b\nfile b seq 2 type b\n") == "Found duplicate base file information")
        #expect(reason("file a seq 2 type i\nfile b seq 2 type i\n") == "Found a non-monotonic sequence number")
        #expect(reason("file a seq 1 type x\n") == "Unknown AOF file type")
        #expect(reason("file dir/a seq 1 type i\n") == "File can't be a path, just a filename")
        #expect(reason("file a seq 1 type i") == "The AOF manifest file contains too long line")
        #expect(reason("file a seq 0 type i\n") == "Invalid AOF manifest file format")
    }

    @Test func namesFollowValkeysRules() throws {
        var m = try AOFManifest.parse(Array(Self.text.utf8))
        #expect(m.newIncremental(prefix: "appendonly.aof") == "appendonly.aof.6.incr.aof")
        #expect(m.newBase(prefix: "appendonly.aof") == "appendonly.aof.3.base.aof")
        #expect(m.history.first?.name == "appendonly.aof.2.base.aof")
        m.markRewrittenIncrementalsAsHistory(keepingLast: 1)
        #expect(m.incrementals.map(\.name) == ["appendonly.aof.6.incr.aof"])
        #expect(
            Set(m.history.map(\.name)) == [
                "appendonly.aof.2.base.aof", "appendonly.aof.3.incr.aof",
                "appendonly.aof.4.incr.aof", "appendonly.aof.5.incr.aof",
            ])
    }
}
