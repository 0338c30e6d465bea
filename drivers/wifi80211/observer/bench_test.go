package observer

import (
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// BenchmarkFrame decrypts the capture's unicast and group data frames
// after its handshake, round robin (so no frame repeats its predecessor's
// packet number), each copied into a scratch buffer first as a capture
// reader's record would be. frames/s is the figure; allocs/op must be 0.
func BenchmarkFrame(b *testing.B) {
	for _, name := range []string{"wpa2-ccmp", "wpa2-tkip"} {
		b.Run(name, func(b *testing.B) {
			o, macs := learned(b, name)
			var data [][]byte
			octets := 0
			for _, m := range macs {
				if f, err := frame.Parse(m); err == nil && f.Type() == frame.TypeData && f.Protected() {
					data = append(data, m)
					octets += len(m)
				}
			}
			if len(data) < 2 {
				b.Fatal("no protected data frames")
			}
			buf := make([]byte, 4096)
			b.SetBytes(int64(octets / len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				m := data[i%len(data)]
				n := copy(buf, m)
				if v, _ := o.Frame(buf[:n]); v != Decrypted {
					b.Fatalf("frame %d: verdict %d, stats %+v", i%len(data), v, o.Stats())
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
