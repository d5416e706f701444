package dev.vigilo.es;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.transport.TransportAddress;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.Node;
import org.elasticsearch.node.VigiloNode;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts one Elasticsearch node inside this JVM for integration tests.
 *
 * Usage: Main [httpPort] [homeDir]
 *   httpPort  0 (default) picks a free port; env VIGILO_ES_HTTP_PORT is used when the argument is absent
 *   homeDir   path.home (data under homeDir/data, logs under homeDir/logs); env VIGILO_ES_HOME otherwise
 * Other env: VIGILO_ES_CLUSTER_NAME (default vigilo-test), VIGILO_ES_LOG_LEVEL (default WARN).
 *
 * Once HTTP is bound it prints exactly one line to stdout:  VIGILO_ES_READY http://127.0.0.1:PORT
 * and writes the same URL to homeDir/http.url. SIGTERM/SIGINT close the node cleanly.
 */
public final class Main {
    public static final String READY_PREFIX = "VIGILO_ES_READY ";

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            // e.g. the HTTP port is taken: exit instead of lingering with half-started non-daemon threads
            System.err.println("VIGILO_ES_FAILED " + e);
            e.printStackTrace();
            System.exit(1); // the shutdown hook (if registered) closes the node
        }
    }

    private static void run(String[] args) throws Exception {
        // must run before any Elasticsearch class asks for a logger
        LogConfigurator.configureESLogging();

        String port = args.length > 0 ? args[0] : env("VIGILO_ES_HTTP_PORT", "0");
        String home = args.length > 1 ? args[1] : env("VIGILO_ES_HOME", null);
        if (home == null || home.isBlank()) {
            home = Files.createTempDirectory("vigilo-es-").toString();
        }
        Path homeDir = Path.of(home).toAbsolutePath();
        Files.createDirectories(homeDir);

        Settings settings = Settings.builder()
            .put("path.home", homeDir.toString())
            .put("cluster.name", env("VIGILO_ES_CLUSTER_NAME", "vigilo-test"))
            .put("node.name", "vigilo-es-0")
            .put("network.host", "127.0.0.1")
            .put("http.port", port)
            .put("transport.port", "0")
            .put("discovery.type", "single-node")
            .put("node.processors", 2)
            .put("indices.breaker.total.use_real_memory", false)
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.destructive_requires_name", false)
            .put("logger.level", env("VIGILO_ES_LOG_LEVEL", "WARN"))
            .build();
        LogConfigurator.configureWithoutConfig(settings);

        List<Class<? extends Plugin>> plugins = List.of(Netty4Plugin.class, RootEndpointPlugin.class);
        Node node = new VigiloNode(new Environment(settings, null), plugins);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.prepareForClose();
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "vigilo-es-shutdown"));

        node.start();

        TransportAddress address = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();
        String url = "http://127.0.0.1:" + address.getPort();
        Files.writeString(homeDir.resolve("http.url"), url + "\n", StandardCharsets.UTF_8);
        PrintStream out = System.out;
        out.println(READY_PREFIX + url);
        out.flush();

        stopped.await();
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
