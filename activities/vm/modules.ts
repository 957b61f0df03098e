// Which kernel modules an initramfs needs, in load order, from the kernel's modules.dep. Pure.

/** modules.dep lines `path: dep dep …` as a map from module name to its path and deps' paths. */
export function parseModulesDep(text: string): Map<string, { path: string; deps: string[] }> {
  const map = new Map<string, { path: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const [path, rest] = line.split(':');
    if (!path || rest === undefined) continue;
    map.set(moduleName(path), { path, deps: rest.trim().split(/\s+/).filter(Boolean) });
  }
  return map;
}

/** `kernel/net/9p/9pnet_virtio.ko` → `9pnet_virtio` (names as modprobe spells them). */
export function moduleName(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.ko(\.(xz|gz|zst))?$/, '').replace(/-/g, '_');
}

/**
 * Paths of the wanted modules and everything they depend on, dependencies first. Modules that
 * modules.dep does not know are assumed built in (a custom kernel may have them =y).
 */
export function loadOrder(
  dep: Map<string, { path: string; deps: string[] }>,
  wanted: readonly string[],
): string[] {
  const order: string[] = [];
  const visit = (path: string) => {
    if (order.includes(path)) return;
    const entry = dep.get(moduleName(path));
    // modules.dep lists a module's deps already in load order (deepest last): load them reversed.
    for (const d of [...(entry?.deps ?? [])].reverse()) visit(d);
    order.push(path);
  };
  for (const name of wanted) {
    const entry = dep.get(name.replace(/-/g, '_'));
    if (entry) visit(entry.path);
  }
  return order;
}
