package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
)

// TestPktgenFrames checks the bytes pktgen puts on the wire for each of its
// fill paths: --same at the minimum size (the fixed-size copy), --same at
// another size, and numbered frames.
func TestPktgenFrames(t *testing.T) {
	dst := [6]byte{2, 0, 0, 0, 0, 0x99}
	src := [6]byte{2, 0, 0, 0, 0, 1} // modelOpener's MAC for port 0
	for _, tc := range []struct {
		size int
		same bool
	}{
		{60, true},
		{61, true},
		{1514, true},
		{60, false},
		{300, false},
	} {
		t.Run(fmt.Sprintf("size=%d,same=%v", tc.size, tc.same), func(t *testing.T) {
			const count = 700 // more than a ring, so buffers are reused
			var frames [][]byte
			open := modelOpener(t, func(p []*e1000test.Port) {
				p[0].SetTap(func(f []byte) { frames = append(frames, append([]byte(nil), f...)) })
			})
			args := []string{"pktgen", "--count", fmt.Sprint(count), "--size", fmt.Sprint(tc.size),
				"--duration", "0", "--dst", "02:00:00:00:00:99", "82540EM"}
			if tc.same {
				args = append(args, "--same")
			}
			out, code := runTool(t, open, args...)
			if code != 0 || !strings.Contains(out, fmt.Sprintf("sent %d frames of %d bytes", count, tc.size)) {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if len(frames) != count {
				t.Fatalf("%d frames on the wire, want %d", len(frames), count)
			}
			want := make([]byte, tc.size)
			for i, f := range frames {
				seq := uint64(i)
				if tc.same {
					seq = 0
				}
				e1000test.FillLoop(want, dst, src, seq)
				if !bytes.Equal(f, want) {
					t.Fatalf("frame %d differs:\n got % x\nwant % x", i, f, want)
				}
			}
		})
	}
}
