package org.elasticsearch.node;

import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.plugins.VigiloPluginsService;

import java.util.List;

/**
 * A Node whose plugins come from the classpath (see VigiloPluginsService).
 *
 * Lives in package org.elasticsearch.node because Node(NodeConstruction), NodeConstruction and
 * NodeServiceProvider are package-private. Re-check against the server jar on every version bump.
 */
public class VigiloNode extends Node {
    public VigiloNode(Environment environment, List<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(environment, null, new ClasspathServiceProvider(plugins), true));
    }

    private static final class ClasspathServiceProvider extends NodeServiceProvider {
        private final List<Class<? extends Plugin>> plugins;

        ClasspathServiceProvider(List<Class<? extends Plugin>> plugins) {
            this.plugins = plugins;
        }

        @Override
        PluginsService newPluginService(Environment environment, PluginsLoader pluginsLoader) {
            return new VigiloPluginsService(environment.settings(), plugins);
        }
    }
}
