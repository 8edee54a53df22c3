import PodiumCommands
import PodiumConfig
import PodiumPersistence

/// `cluster-config-file` (nodes.conf in `dir`): where a node of one keeps its node id and shard id, so that a
/// restarted server is the same node to the clients that cached the topology. Written in the layout Valkey
/// uses (one node line, `myself,master`, all slots; a `vars` line), read back by the id on the `myself` line and
/// the `shard-id=` field.
enum ClusterConfigFile {
    static func path(_ configuration: PodiumConfiguration) -> String {
        let name = configuration.clusterConfigFile
        return name.hasPrefix("/") ? name : FileIO.join(configuration.dir, name)
    }

    /// The node of this server: from the file when it holds one, else a new one, written to the file.
    static func loadOrCreate(_ configuration: PodiumConfiguration) throws(FileError) -> ClusterNode {
        let path = path(configuration)
        if FileIO.exists(path) {
            let text = String(decoding: try FileIO.readAll(path), as: UTF8.self)
            for line in text.split(separator: "\n") where line.contains("myself") {
                let fields = line.split(separator: " ")
                guard fields.count > 1, let id = fields.first, id.count == 40 else { continue }
                var shard = ClusterNode.randomID()
                for part in fields[1].split(separator: ",") where part.hasPrefix("shard-id=") {
                    let value = part.dropFirst("shard-id=".count)
                    if value.count == 40 { shard = String(value) }
                }
                return ClusterNode(id: String(id), shardID: shard)
            }
        }
        let node = ClusterNode(id: ClusterNode.randomID(), shardID: ClusterNode.randomID())
        let contents =
            "\(node.id) :0@0,,shard-id=\(node.shardID) myself,master - 0 0 0 connected 0-16383\n"
            + "vars currentEpoch 0 lastVoteEpoch 0\n"
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        try FileIO.writeAtomically(
            Array(contents.utf8), to: path, temporary: path + ".tmp",
            directory: directory.isEmpty ? "." : directory)
        return node
    }

    /// The announce settings of `configuration`, applied to `node` (at start and on CONFIG SET).
    static func applyAnnounce(_ configuration: PodiumConfiguration, to node: inout ClusterNode) {
        node.announceIP = configuration.clusterAnnounceIP
        node.announcePort = configuration.clusterAnnouncePort
        node.announceTLSPort = configuration.clusterAnnounceTLSPort
        node.announceBusPort = configuration.clusterAnnounceBusPort
        node.announceHostname = configuration.clusterAnnounceHostname
        node.preferredEndpointType = configuration.clusterPreferredEndpointType
        node.busPort = configuration.clusterPort
    }
}
