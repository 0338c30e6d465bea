package flow

import "testing"

func TestCache(t *testing.T) {
	var c Cache
	c.Init(true, 64, 2)
	k := key(1)
	if c.Usable() {
		t.Fatal("usable before the first install (no table)")
	}
	if _, ok := c.Lookup(&k, 0); ok {
		t.Fatal("hit in an empty cache")
	}
	c.Install(&k, c.Gen().Load(), Hop{Out: ifcs[1], MTU: 1500})
	if !c.Usable() {
		t.Fatal("not usable after an install")
	}
	if h, ok := c.Lookup(&k, c.Gen().Load()); !ok || h.MTU != 1500 {
		t.Fatalf("lookup after install: %+v %v", h, ok)
	}
	c.Forwarded(3)
	c.Invalidate()
	if _, ok := c.Lookup(&k, c.Gen().Load()); ok {
		t.Fatal("hit after Invalidate")
	}
	if !c.Missed() {
		t.Fatal("admission refused the first miss")
	}
	c.SetOn(false)
	if c.On() || c.Usable() {
		t.Fatal("on after SetOn(false)")
	}
	want := CacheStats{Hits: 3, Misses: 1, Stale: 1, Installs: 1, Invalidations: 2}
	if got := c.Stats(); got != want {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
}
