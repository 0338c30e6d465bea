package main

import (
	"sync/atomic"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
)

// saeConfirmLoser returns a hwsim.Config.Lose that loses the first n SAE
// Confirms (Authentication frames, algorithm 3, transaction 2) a kernel
// radio sends — the access point's — as a noisy channel might; nil when n
// is not positive. connect --drop-sae-confirms uses it so that the VM test
// exercises the exchange's recovery every run, not only under load.
func saeConfirmLoser(n int) func([]byte) bool {
	if n <= 0 {
		return nil
	}
	var left atomic.Int64
	left.Store(int64(n))
	return func(b []byte) bool {
		f, err := frame.Parse(b)
		if err != nil || f.Type() != frame.TypeMgmt || f.Subtype() != frame.SubAuth {
			return false
		}
		a, err := frame.ParseAuth(f.Body())
		if err != nil || a.Algorithm() != frame.AuthSAE || a.Seq() != sae.AuthSeqConfirm {
			return false
		}
		return left.Add(-1) >= 0
	}
}
