// Who made a cgbench group or container: a suite's id starts with the pid of the cgbench process that
// runs it ("p1234-1a2b3c"), so a later cgbench can tell a killed suite's leftovers from a running one's.

export function suiteIdFor(pid: number, random: string): string {
  return `p${pid}-${random}`;
}

/** The owner's pid from a group or container name ("p1234-1a2b3c-c0-r1", "cgbench-p1234-..."); null for older names. */
export function ownerPid(name: string): number | null {
  const m = /^(?:cgbench-)?p(\d+)-[0-9a-f]+-/.exec(name);
  return m ? Number(m[1]) : null;
}
