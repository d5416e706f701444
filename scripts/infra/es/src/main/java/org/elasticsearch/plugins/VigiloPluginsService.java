package org.elasticsearch.plugins;

import org.elasticsearch.Build;
import org.elasticsearch.common.settings.Settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PluginsService that loads plugin classes straight from the application classpath instead of
 * from plugin/module bundles on disk (there is no Elasticsearch distribution here, only Maven jars).
 *
 * Lives in package org.elasticsearch.plugins because LoadedPlugin, loadPlugin and loadExtensions are
 * package-private. Re-check against the server jar on every Elasticsearch version bump.
 */
public class VigiloPluginsService extends PluginsService {
    private final List<LoadedPlugin> loaded;

    public VigiloPluginsService(Settings settings, List<Class<? extends Plugin>> pluginClasses) {
        // no modules, no plugins bundles on disk: the parent only sees an empty loader
        super(settings, null, PluginsLoader.createPluginsLoader(Set.of(), Set.of(), Map.of(), false));
        String esVersion = Build.current().version();
        String javaVersion = "21";
        List<LoadedPlugin> list = new ArrayList<>(pluginClasses.size());
        for (Class<? extends Plugin> pluginClass : pluginClasses) {
            PluginDescriptor descriptor = new PluginDescriptor(
                pluginClass.getSimpleName(),                 // name
                "classpath plugin " + pluginClass.getName(), // description
                esVersion,                                    // plugin version
                esVersion,                                    // elasticsearch version
                javaVersion,                                  // java version
                pluginClass.getName(),                        // classname
                null,                                         // module name (not modular)
                List.of(),                                    // extended plugins
                false,                                        // has native controller
                false,                                        // licensed
                false,                                        // modular
                false,                                        // stable API plugin
                PluginDescriptor.DeploymentTarget.ALL
            );
            Plugin instance = loadPlugin(pluginClass, settings, null);
            list.add(new LoadedPlugin(descriptor, instance, pluginClass.getClassLoader()));
        }
        loadExtensions(list);
        this.loaded = List.copyOf(list);
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return loaded;
    }
}
