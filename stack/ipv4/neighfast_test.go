package ipv4

import (
	"sync"
	"testing"
)

// TestNeighFastConcurrent looks keys up on several goroutines while one
// writer adds, changes, deletes and regrows (run with -race): a reader
// finds either nothing or the MAC written for that key.
func TestNeighFastConcurrent(t *testing.T) {
	var f neighFast
	f.init()
	macOf := func(k uint64, gen byte) [6]byte { return [6]byte{byte(k >> 8), byte(k), 0, 0, 0, gen} }
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for k := uint64(1); k < 3000; k++ {
					if m, ok := f.get(k); ok && (m[0] != byte(k>>8) || m[1] != byte(k)) {
						t.Errorf("key %d: MAC %x", k, m)
						return
					}
				}
			}
		}()
	}
	for round := range 20 {
		for k := uint64(1); k < 3000; k++ {
			f.put(k, macOf(k, byte(round)))
		}
		for k := uint64(1); k < 3000; k += 2 {
			f.del(k)
		}
		for k := uint64(2); k < 3000; k += 2 {
			if m, ok := f.get(k); !ok || m != macOf(k, byte(round)) {
				t.Fatalf("round %d key %d: %x %v", round, k, m, ok)
			}
			f.testClear(k)
		}
		for k := uint64(1); k < 3000; k += 2 {
			if _, ok := f.get(k); ok {
				t.Fatalf("deleted key %d found", k)
			}
		}
	}
	close(stop)
	wg.Wait()
	if f.live != 1499 {
		t.Errorf("live %d", f.live)
	}
}
