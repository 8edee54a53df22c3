import NIOCore
import NIOEmbedded
import PodiumRESP
import Testing

@Suite struct ScratchPerf {
    @Test func dripProcessor() throws {
        var whole = ByteBuffer(string: "*1\r\n$71680\r\n")
        whole.writeRepeatingByte(120, count: 71680)
        whole.writeString("\r\n")
        let start = ContinuousClock.now
        let p = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder())
        var n = 0
        for byte in whole.readableBytesView { try p.process(buffer: ByteBuffer(bytes: [byte])) { _ in n += 1 } }
        print("processor drip", ContinuousClock.now - start, n)
        let s2 = ContinuousClock.now
        let ch = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder()))
        for byte in whole.readableBytesView { try ch.writeInbound(ByteBuffer(bytes: [byte])) }
        print("channel drip", ContinuousClock.now - s2, try ch.readInbound(as: [ByteBuffer].self)?.count ?? -1)
        var inl = ByteBuffer(repeating: 97, count: 60000); inl.writeString("\r\n")
        let s3 = ContinuousClock.now
        let p3 = NIOSingleStepByteToMessageProcessor(RESPRequestDecoder())
        for byte in inl.readableBytesView { try p3.process(buffer: ByteBuffer(bytes: [byte])) { _ in n += 1 } }
        print("inline drip", ContinuousClock.now - s3)
    }
}
