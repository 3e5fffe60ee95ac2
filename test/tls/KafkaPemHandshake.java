// Kafka's own SSL engine factory (DefaultSslEngineFactory, what brokers and clients use) loading
// brokerplate's PEM material with ssl.keystore.type=PEM and ssl.truststore.type=PEM, then a mutual
// TLS handshake in memory between a "server" node and a "client" node, with hostname verification
// (ssl.endpoint.identification.algorithm=https) against the name the client dials.
// Usage: java -cp <kafka jars> KafkaPemHandshake.java <dir> <server>,<client>,<host dialled>...
// Prints one line per case: "OK <protocol> <cipher suite> <server subject> client=<client subject>"
// or "FAILED: <why>" (one JVM for every case: its start-up is most of the time).
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;

public class KafkaPemHandshake {
    static DefaultSslEngineFactory factory(String dir, String name) {
        Map<String, String> props = new HashMap<>();
        props.put("ssl.keystore.type", "PEM");
        props.put("ssl.keystore.location", dir + "/" + name + ".pem");
        props.put("ssl.truststore.type", "PEM");
        props.put("ssl.truststore.location", dir + "/ca.crt");
        props.put("ssl.client.auth", "required");
        ConfigDef def = new ConfigDef().withClientSslSupport()
            .define("ssl.client.auth", ConfigDef.Type.STRING, "none", ConfigDef.Importance.LOW, "broker: whether clients must present a certificate");
        DefaultSslEngineFactory factory = new DefaultSslEngineFactory();
        factory.configure(def.parse(props));
        return factory;
    }

    static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /** One step of `engine`'s handshake: read what the peer sent (in), write what it must send (out). */
    static void step(SSLEngine engine, ByteBuffer in, ByteBuffer out) throws Exception {
        HandshakeStatus hs = engine.getHandshakeStatus();
        if (hs == HandshakeStatus.NEED_TASK) {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) task.run();
        } else if (hs == HandshakeStatus.NEED_WRAP) {
            engine.wrap(EMPTY, out);
        } else if (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
            in.flip();
            engine.unwrap(in, ByteBuffer.allocate(1 << 16));
            in.compact();
        }
    }

    static String handshake(String dir, String serverName, String clientName, String host) {
        try {
            SSLEngine server = factory(dir, serverName).createServerSslEngine(serverName, 9093);
            SSLEngine client = factory(dir, clientName).createClientSslEngine(host, 9093, "https");
            ByteBuffer toServer = ByteBuffer.allocate(1 << 17), toClient = ByteBuffer.allocate(1 << 17);
            client.beginHandshake();
            server.beginHandshake();
            for (int i = 0; i < 200; i++) {
                step(client, toClient, toServer);
                step(server, toServer, toClient);
                boolean idle = client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
                if (idle) {
                    X509Certificate serverCert = (X509Certificate) client.getSession().getPeerCertificates()[0];
                    X509Certificate clientCert = (X509Certificate) server.getSession().getPeerCertificates()[0];
                    return "OK " + client.getSession().getProtocol() + " " + client.getSession().getCipherSuite() + " "
                        + serverCert.getSubjectX500Principal().getName() + " client=" + clientCert.getSubjectX500Principal().getName();
                }
            }
            return "FAILED: the handshake did not finish";
        } catch (Exception e) {
            return "FAILED: " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    public static void main(String[] args) {
        for (int i = 1; i < args.length; i++) {
            String[] c = args[i].split(",");
            System.out.println(handshake(args[0], c[0], c[1], c[2]));
        }
    }
}
