/**
 * rpcapd.ini as the vendor's rpcapd reads it (`-f`): one `ActiveClient = host,port` line per sensor (rpcapd opens a
 * capture per client, so each sensor gets a full copy; at most 10) and `NullAuthPermit = YES` (the sensor connects
 * without credentials). `#` starts a comment. The file overrides clients given on the command line.
 */

/** The ini text for these sensors. */
export function rpcapdIni(sensors: readonly string[], port: number): string {
  return [
    "# Written by the ExtraHop agent; one full copy of the capture per sensor.",
    ...sensors.map((s) => `ActiveClient = ${s},${port}`),
    "NullAuthPermit = YES",
    "",
  ].join("\n");
}
