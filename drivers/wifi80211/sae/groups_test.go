package sae

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
)

// RFC 9380 J.3.1 (P384_XMD:SHA-384_SSWU_RO_) and J.4.1
// (P521_XMD:SHA-512_SSWU_RO_): map_to_curve(u[i]) = Qi for the messages ""
// and "abc" (the vectors of the draft's poc/vectors files; the map does
// not depend on the suite's DST).
func TestRFC9380MapToCurveP384P521(t *testing.T) {
	for _, v := range []struct {
		group   uint16
		u, x, y string
	}{
		{Group20, "1c6fcba37e868df39866fae4708ceaeadf0a891a4a44823ff6db8ea45d7a5295a6aab2d805c6684175a30129b0ea44ab",
			"cc6f17a0c0b7fe36d847ac126ca5feb04ad9eca6637899e834b6b627bacf0c298fee78f7d34b48aaf6aca379604832e7",
			"648c887fa4db378e4325b1184213dc5448dd4be9c629eb7eb5bbcd784100cadce5b5d4cf0ac024e352cab57b84f36003"},
		{Group20, "81a2a74c79c84206a71a96b81d96ac60778a46ad9726898fe6250604f074fd1de90ca1720571eb90400e5aeadfd49c07",
			"cf3ba0923bd780d181ea074ebcfaa560cf6586df57dcefde306cf3e930914a3c007b9ce7547fd012423dac0e4c5da13a",
			"86b8ae996da5ad0a8078349f18eacbd5c11359000232461d9b9ba168ccdac5b67db0b64fbece246f9bb0d27ade287a11"},
		{Group20, "d602430b23486a629497fa23f96eb0199e78da79758cf474ab2a131a7e7691459dd57e526f1569ab1c3e42fd1637e82d",
			"e17902afd14cae6dec42e27d2e86bf2db9a80b53a2d41165704c99651d5a46033b904963653420b338eb625d84d508e7",
			"da50390a0a093eb79cb1c173e11d90aa47ba0831d06fca7d552f9d424721658181a44ec78a4f8f0bb254b3e28a460b1b"},
		{Group20, "3f56739d7020d05235b8f7961e1ddc0e9eca41e2b090abed2cc1eb4f10986bdd132edeaac0b3672c367e61e17d176694",
			"0473effba43b7b39f454ee7b13fefd67fb9687982e80491523c5a23024b1e7fd398f77725b8e06d6c7df36a1ab4af77f",
			"9e1bd63b6885d2dd30b5cd483071ac55d497ccb35876209c15dfaad0b40036d6ea3b49142b57f00350b8d69ca8b86318"},
		{Group21, "012bf001213ebf5c37474cf09f804fdb239c82edcf42d1eacf54c32e3400ee2c4e6d8231fef3a11633b25f8a8c4c4e827d0b7db16c2567bf5a41413d0218ec5855a7",
			"00eb222cc5bd63364f650c2182a52af6deb789783f6cc2b45f67d34a8a238f4c3becc371d1fc78d29697df81933e62939c805c384115e66733259a3f7145ca8085f2",
			"00a9bc815419728122b2503b3f96093c33a16e2f9817eb32870db474e3a6411e5f8c09b32de33f125732bc3e1515361abc2dd74ef36eca66af95fdb3fbef8f149cd1"},
		{Group21, "01f06e1a4dfeeac6810422d5da691121f75d1db17e187f65b15550ae6698bb67173544c28a6d4111691081a619722f70840cf2665207e82f35634f379351af0d4637",
			"008e76a7377126972a4645e17c3930a390363a4073b6401d8ce50868e03ab449c7d433604c014c255989391a537d86b99af867d8729720d08185bfa0df440b7aa923",
			"0072b4676f1900568f7d6614f4661d0df86d9564936f92eb05936bf9c3dbad1019a3588893b8ea98f71ab8e587ab38cdb807f519379eabc7f8d27dcafd7b130d2843"},
		{Group21, "007bdc26e59c48e161d5805dca3929431b370e351f36baf83517260c4ed440eeba12a4c34209d74cbffb2abdc0fbe471a79d9bec6cd0af536c41445cc7b665e84534",
			"0112888dbefe4c6b546fba832693c1030585d2109820a4f6f8863ab51f33b80ac1382169b196039ad4c934674a962599a116b0b7debde24cb43953d02eb845c07c1e",
			"0019c0af8926bd00b1e34073673074b8a6ebcddae3643f2b7e5760b010c84cd3589d666c58a5d2ae214878cef1e9fe630b3d7b07c0253eb71789b7ab22987fb2794c"},
		{Group21, "0134b98b8e73587124752a418b1cee287ecd410a7896f32815ae238a5c0eccca3eda271ae4c3b23276c7d211fb9276d77e6ebafc50714d0b403c9e9ba25f67ea3aac",
			"01455e7a85dc202348ac075de68a45697675d7086d1702ab8268bf27d5113e94bb689ac338c486d6f82c8cc938f89c8cb7f07eda36e7be906798615e25f4ce73b5f5",
			"01cb2e858cfba8c1ad216fab1f535e7a397a5c83c36789d568cfba83c4d7aa9333c87d608fea72c37d3dd1198d0c7e1636a699bad6ec6d794b95aca76dfeab313f8e"},
	} {
		f := newField(mustLookup(t, v.group))
		p, err := f.sswu(unhex(t, v.u))
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(p.Bytes()); got != v.x+v.y {
			t.Errorf("group %d map_to_curve(%s)\n got %s\nwant %s%s", v.group, v.u, got, v.x, v.y)
		}
	}
}

// The reduction of hash-to-element's len-octet strings mod p agrees with
// math/big for every group, for strings near 2^(8 len).
func TestReduce(t *testing.T) {
	for _, group := range Groups() {
		g := mustLookup(t, group)
		f := newField(g)
		l := g.n + (g.n+1)/2
		for _, fill := range []byte{0x00, 0x01, 0x7f, 0xff} {
			b := bytes.Repeat([]byte{fill}, l)
			rand.Read(b[l/2:])
			want := bigMod(b, g)
			if got := f.reduce(b).Bytes(f.p); !bytes.Equal(got, want) {
				t.Errorf("group %d reduce(%x)\n got %x\nwant %x", group, b, got, want)
			}
		}
	}
}

// Hunting-and-pecking in every group: the element does not depend on the
// addresses' order, and P-521's 521-bit KDF output is used right-aligned.
func TestHuntAndPeckGroups(t *testing.T) {
	a, b := unhex(t, "4d3f2fffe387"), unhex(t, "a5d8aa958e3c")
	for _, group := range Groups() {
		p1, err := PWEHuntAndPeck(group, []byte("mekmitasdigoat"), nil, a, b)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := PWEHuntAndPeck(group, []byte("mekmitasdigoat"), nil, b, a)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p1.Bytes(), p2.Bytes()) || len(p1.Bytes()) != 2*ElementLen(group) || p1.Group() != group {
			t.Fatalf("group %d: PWE depends on the order or has the wrong size", group)
		}
	}
	v := []byte{0xff, 0x80, 0x01}
	shiftRight(v, 7)
	if !bytes.Equal(v, []byte{0x01, 0xff, 0x00}) {
		t.Fatalf("shiftRight: %x", v)
	}
}

// Rejected groups (H2E): the station lists the groups the AP refused; the
// AP takes the list from the Commit; both salt keyseed with it. An AP that
// sees another list (a downgrade) cannot verify the Confirm.
func TestRejectedGroups(t *testing.T) {
	ma, mb := unhex(t, "020000000001"), unhex(t, "020000000002")
	pt, err := DerivePT(Group20, []byte("ssid"), []byte("passphrase"), nil)
	if err != nil {
		t.Fatal(err)
	}
	run := func(tamper bool) error {
		pa, _ := PWEFromPT(pt, ma, mb)
		pb, _ := PWEFromPT(pt, mb, ma)
		a, _ := NewExchange(pa, rand.Reader)
		b, _ := NewExchange(pb, rand.Reader)
		a.SetRejectedGroups([]uint16{Group21})
		ca, cb := a.Commit(), b.Commit()
		wire := AppendCommit(nil, &ca, true)
		if !bytes.Contains(wire, []byte{255, 3, 92, 21, 0}) {
			t.Fatalf("no Rejected Groups element: %x", wire)
		}
		if tamper {
			wire[len(wire)-2] = 19
		}
		pca, err := ParseCommit(wire, true, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Process(&pca); err != nil {
			return err
		}
		if err := a.Process(&cb); err != nil {
			return err
		}
		fa, _ := a.Confirm(1)
		return b.Verify(&fa)
	}
	if err := run(false); err != nil {
		t.Fatal(err)
	}
	if err := run(true); !errors.Is(err, ErrConfirm) {
		t.Fatalf("altered rejected groups: %v, want ErrConfirm", err)
	}
}

// A Commit of one group is refused by an exchange of another; a Confirm of
// the wrong length is malformed.
func TestGroupMismatch(t *testing.T) {
	ma, mb := unhex(t, "020000000001"), unhex(t, "020000000002")
	p19, _ := PWEHuntAndPeck(Group19, []byte("pw"), nil, ma, mb)
	p21, _ := PWEHuntAndPeck(Group21, []byte("pw"), nil, mb, ma)
	x, _ := NewExchange(p19, rand.Reader)
	y, _ := NewExchange(p21, rand.Reader)
	cy := y.Commit()
	if err := x.Process(&cy); !errors.Is(err, ErrGroup) {
		t.Fatalf("group 21 commit to a group 19 exchange: %v", err)
	}
	if _, err := ParseCommit(AppendCommit(nil, &cy, false), false, 0); err != nil {
		t.Fatalf("group 21 commit: %v", err)
	}
	x2, _ := NewExchange(p19, rand.Reader)
	cx2 := x2.Commit()
	if err := x.Process(&cx2); err != nil {
		t.Fatal(err)
	}
	if err := x.Verify(&Confirm{SendConfirm: 1, Confirm: make([]byte, 64)}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("64-octet confirm to a 32-octet exchange: %v", err)
	}
}

func bigMod(b []byte, g *params) []byte {
	v := new(big.Int).SetBytes(b)
	return v.Mod(v, g.curve.P).FillBytes(make([]byte, g.n))
}
