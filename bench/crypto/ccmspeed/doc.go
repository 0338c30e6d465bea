// Command ccmspeed measures gopkt's AES-CCM throughput the way
// "openssl speed" does: bytes processed per second of CPU time consumed by
// the measuring thread, not per second of wall-clock time. On a shared
// machine the two differ a lot; counting CPU time on both sides keeps the
// comparison with OpenSSL fair when other processes compete for the cores.
//
// Usage: ccmspeed -mode seal|open|batch-seal|batch-open [-bytes 1500] [-seconds 2]
//
// Output, one line, in openssl speed -mr style: +F:<mode>:<bytes/s>.
package main
