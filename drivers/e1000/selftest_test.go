package e1000_test

import (
	"errors"
	"testing"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
)

func TestSelfTest(t *testing.T) {
	for _, m := range models {
		for _, mode := range []e1000.Mode{e1000.Poll, e1000.Interrupt} {
			t.Run(m.name+"/"+mode.String(), func(t *testing.T) {
				r := newRig(t, 2, m.id, nil, func(_ int, c *e1000.Config) { c.Mode = mode })
				for _, res := range r.devs[0].SelfTest() {
					if res.Err != nil {
						t.Errorf("%s: %v", res.Name, res.Err)
					}
				}
				if r.ports[0].Fake().Resets() != 0 {
					t.Error("function reset during self-test")
				}
				// The port still works afterwards.
				f := make([]byte, 60)
				e1000test.FillLoop(f, mac(1), mac(0), 0)
				sendAll(t, r.devs[0], []*mbuf.Buf{r.frame(t, f)}, nil)
				if got := recvAll(r.devs[1], 1, nil); got != 1 {
					t.Errorf("after self-test received %d", got)
				}
			})
		}
	}
}

func TestSelfTestReportsFailures(t *testing.T) {
	r := newRig(t, 1, e1000test.ID82540EM, func(_ int, o *e1000test.Options) {
		o.BadEEPROMSum = true
		o.LinkDown = true
	}, nil)
	res := r.devs[0].SelfTest()
	want := map[string]error{"registers": nil, "eeprom": e1000.ErrEEPROMSum, "interrupt": nil, "link": e1000.ErrLinkDown}
	for _, x := range res {
		if w := want[x.Name]; w == nil && x.Err != nil || w != nil && !errors.Is(x.Err, w) {
			t.Errorf("%s: %v, want %v", x.Name, x.Err, w)
		}
	}
}
