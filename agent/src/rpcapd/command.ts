/**
 * rpcapd's command line, as the vendor's example runs it, minus what the agent does itself: `-v` active mode only (no
 * passive listener on 2002), `-n` null authentication, `-f` the ini with the sensors, `-i` the one device it may
 * capture, `-F` the capture filter, `-D` as in the vendor's example (an option of the closed build; meaning
 * unverified). No `-d`: rpcapd stays the agent's child, so the agent notices its death and forwards signals.
 */

/** rpcapd's arguments. */
export function rpcapdArgs(iniFile: string, device: string, filter: string): string[] {
  return ["-v", "-n", "-f", iniFile, "-i", device, "-F", filter, "-D"];
}
