import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The resident set of a process (Linux /proc), or undefined once it has gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The processes descending from `root` (children, their children, ...), with their names. */
export function descendants(root: number): { pid: number; name: string }[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // stat: "pid (name) state ppid ..."; the name may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // The process ended while being read.
    }
  }
  const found: { pid: number; name: string }[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      found.push({ pid: child, name: names.get(child) ?? "" });
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** The TCP ports a process listens on (Linux /proc): each listening socket's inode, then its port. */
export function listeningPorts(pid: number): number[] {
  let held: Set<string>;
  try {
    held = new Set(
      readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: "utf8" })),
    );
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const port = fields[1]?.split(":")[1];
    if (port && fields[3] === "0A" && held.has(`socket:[${fields[9]}]`)) ports.push(Number.parseInt(port, 16));
  }
  return ports;
}

/**
 * The process listening on `port` of 127.0.0.1 (Linux /proc): the socket's inode from
 * /proc/net/tcp, then the process holding a descriptor to it; undefined if none is seen.
 */
export function listenerOn(port: number, among: readonly number[]): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is "0100007F:PORT"; state 0A is LISTEN; field 9 is the inode.
    if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "0A" && fields[9]) inodes.add(fields[9]);
  }
  return among.find((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: "utf8" });
        return inodes.has(link.slice("socket:[".length, -1));
      });
    } catch {
      return false;
    }
  });
}
