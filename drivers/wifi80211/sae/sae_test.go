package sae

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func mustLookup(t testing.TB, group uint16) *params {
	t.Helper()
	g, err := lookup(group)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// IEEE 802.11-2020 annex J.10, hunting-and-pecking with the password
// identifier "psk4internet", as hostapd's src/common/common_module_tests.c
// (sae_tests) carries it: our commit, the peer's commit, KCK, PMK, PMKID
// and both confirms.
func TestAnnexJ10HuntAndPeck(t *testing.T) {
	a := unhex(t, "827b919dd4b9")
	b := unhex(t, "1eec49ea6488")
	pwe, err := PWEHuntAndPeck(Group19, []byte("mekmitasdigoat"), []byte("psk4internet"), a, b)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewExchangeValues(pwe,
		unhex(t, "a906f61e4d3a5d4eb2965ff34cf917dd044445c878c17ca5d5b93786da9f83cf"),
		unhex(t, "4234b4fb17aa435c52fbfdebe64039b43478200e54ff7b6e07b69cad74153c15"))
	if err != nil {
		t.Fatal(err)
	}
	// The vector's commit ends with the Password Identifier element,
	// which the exchange does not send: compare the fixed part.
	wantCommit := unhex(t, `1300eb3bab1964e4a0ab05925ddf33395191 38bc65d6cdc0f813dd6fd4344eb4bfe44b5c21597658f4e3eddfb4b99f25
		b4d6540f32ff1fd5c530c60a794448610bc6de3d92bdbbd47d935980ca6cf8988ab6630be6764c885ceb9793970f695217ee
		ff0d2170736b34696e7465726e6574`)
	c := x.Commit()
	got := AppendCommit(nil, &c, false)
	if !bytes.Equal(got, wantCommit[:2+3*32]) {
		t.Fatalf("commit\n got %x\nwant %x", got, wantCommit[:2+3*32])
	}
	// ParseCommit skips the trailing Password Identifier element.
	if pc, err := ParseCommit(wantCommit, false, 0); err != nil || !bytes.Equal(pc.Scalar, c.Scalar) {
		t.Fatalf("own commit does not parse back: %v", err)
	}
	peer, err := ParseCommit(unhex(t, `13005564f045b2ea1e566cf1dd741f70d9be35d2df5b9a5502946ee03cf8dae27e1e05b8430eb7a99e24877ce69baf3dc580
		e309633d6b385f83ee1c3ec3591f1a5393c06e805ddceb2fde50930dd7cfebb987c6ff9666af164eb5184d8e6662ed6aff0d
		2170736b34696e7465726e6574`), false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Process(&peer); err != nil {
		t.Fatal(err)
	}
	k, ok := x.Keys()
	if !ok {
		t.Fatal("no keys")
	}
	check := func(name string, got []byte, want string) {
		t.Helper()
		if w := unhex(t, want); !bytes.Equal(got, w) {
			t.Errorf("%s\n got %x\nwant %x", name, got, w)
		}
	}
	check("KCK", k.KCK[:], "599d6f1e27548be8499dceed2feccf94818ce1c79f1b4eb3d6a53228a09bf3ed")
	check("PMK", k.PMK[:], "7aead86fba4c3221fc437f5f14d70d854ea5d5aac1690116793081eda4d557c5")
	check("PMKID", k.PMKID[:], "40a09b6017cebf0072843b5352aa2b4f")
	cf, err := x.Confirm(1)
	if err != nil {
		t.Fatal(err)
	}
	check("confirm", AppendConfirm(nil, &cf), "010012d9d5c78c500526d36c41dbc56aedf2914cedddd7cad4a58c48f83dbde9fc77")
	pcf, err := ParseConfirm(unhex(t, "010002871cf906898b8060ec184143be77b8c08a8019b13eb6d0aef0d8383dfac2fd"))
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Verify(&pcf); err != nil {
		t.Fatalf("peer confirm: %v", err)
	}
	pcf.Confirm[5] ^= 1
	if err := x.Verify(&pcf); !errors.Is(err, ErrConfirm) {
		t.Fatalf("altered confirm: %v", err)
	}
}

// IEEE 802.11-2020 annex J.10, hunting-and-pecking without an identifier:
// the PWE for the "looping" addresses.
func TestAnnexJ10HuntAndPeckNoIdentifier(t *testing.T) {
	a, b := unhex(t, "4d3f2fffe387"), unhex(t, "a5d8aa958e3c")
	for _, order := range [][2][]byte{{a, b}, {b, a}} {
		pwe, err := PWEHuntAndPeck(Group19, []byte("mekmitasdigoat"), nil, order[0], order[1])
		if err != nil {
			t.Fatal(err)
		}
		want := "da6eb7b06a1ac5624974f90afdd6a8e9d5722634cf987c34defc91a9874e5658f4fefd130bd5be08fe68af3e4a290272ec065fd3671f3c25bf8ec419ddc9b822"
		if got := hex.EncodeToString(pwe.Bytes()); got != want {
			t.Fatalf("PWE\n got %s\nwant %s", got, want)
		}
	}
}

// IEEE 802.11-2020 annex J.10, hash-to-element (SSID "byteme", identifier
// "psk4internet"): u1, u2, P1, P2, PT and the PWE.
func TestAnnexJ10HashToElement(t *testing.T) {
	f := newField(mustLookup(t, Group19))
	for _, v := range []struct{ u, x, y string }{
		{"dc941bc3c6a2b4948b6c61d55590ecb1f0c51c4b1bebaff677e593698d5a53c6", "a07c260764a13445ff8cd97c5acc644e7119bde51bad42583eed6f4109639e6b", "3bdc8df0d32337936c74df604933a454142251c53c576c0351b28deaf9428d7e"},
		{"1b8375a518bc21396ad6a65e5597e0bf80d793b6d66e2534a6e7dfe3ee22616f", "72cd2a967a837fea5051f0133db46227775ba09f7b6dfb99ae7a8ef22c7d34a0", "864390d797d352b368d311af515bde116fe54459fec867ee18a8a1619ca3ff59"},
	} {
		p, err := f.sswu(unhex(t, v.u))
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(p.Bytes()); got != v.x+v.y {
			t.Errorf("SSWU(%s)\n got %s\nwant %s%s", v.u, got, v.x, v.y)
		}
	}
	pt, err := DerivePT(Group19, []byte("byteme"), []byte("mekmitasdigoat"), []byte("psk4internet"))
	if err != nil {
		t.Fatal(err)
	}
	wantPT := "b6e38c98750c684b5d17c3d8c9a4100b39931279187ca6cced5f37ef46ddfa975687e972e50f73e3898861e7edad21bea7d5f622df88243bb804920ae8e647fa"
	if got := hex.EncodeToString(pt.Bytes()); got != wantPT {
		t.Fatalf("PT\n got %s\nwant %s", got, wantPT)
	}
	a, b := unhex(t, "00095b66ec1e"), unhex(t, "000b6bd90246")
	for _, order := range [][2][]byte{{a, b}, {b, a}} {
		pwe, err := PWEFromPT(pt, order[0], order[1])
		if err != nil {
			t.Fatal(err)
		}
		want := "c93049b9e64000f848201649e999f2b5c22dea69b5632c9df4d633b8aa1f6c1e73634e94b53d82e7383a8d258199d9dc1a5ee8269d060382ccbf33e614ff59a0"
		if got := hex.EncodeToString(pwe.Bytes()); got != want {
			t.Fatalf("PWE\n got %s\nwant %s", got, want)
		}
	}
}

// RFC 9380 J.1.1 (P256_XMD:SHA-256_SSWU_RO_): map_to_curve(u[i]) = Qi.
func TestRFC9380MapToCurve(t *testing.T) {
	f := newField(mustLookup(t, Group19))
	for _, v := range []struct{ u, x, y string }{
		{"ad5342c66a6dd0ff080df1da0ea1c04b96e0330dd89406465eeba11582515009", "ab640a12220d3ff283510ff3f4b1953d09fad35795140b1c5d64f313967934d5", "dccb558863804a881d4fff3455716c836cef230e5209594ddd33d85c565b19b1"},
		{"8c0f1d43204bd6f6ea70ae8013070a1518b43873bcd850aafa0a9e220e2eea5a", "51cce63c50d972a6e51c61334f0f4875c9ac1cd2d3238412f84e31da7d980ef5", "b45d1a36d00ad90e5ec7840a60a4de411917fbe7c82c3949a6e699e5a1b66aac"},
		{"afe47f2ea2b10465cc26ac403194dfb68b7f5ee865cda61e9f3e07a537220af1", "5219ad0ddef3cc49b714145e91b2f7de6ce0a7a7dc7406c7726c7e373c58cb48", "7950144e52d30acbec7b624c203b1996c99617d0b61c2442354301b191d93ecf"},
		{"379a27833b0bfe6f7bdca08e1e83c760bf9a338ab335542704edcd69ce9e46e0", "019b7cb4efcfeaf39f738fe638e31d375ad6837f58a852d032ff60c69ee3875f", "589a62d2b22357fed5449bc38065b760095ebe6aeac84b01156ee4252715446e"},
	} {
		p, err := f.sswu(unhex(t, v.u))
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(p.Bytes()); got != v.x+v.y {
			t.Errorf("map_to_curve(%s)\n got %s\nwant %s%s", v.u, got, v.x, v.y)
		}
	}
}

// exchange runs both sides; it returns the two key sets and the error of
// the first step that failed.
func exchange(t *testing.T, group uint16, pwA, pwB string, h2e bool) (Keys, Keys, error) {
	t.Helper()
	ma, mb := unhex(t, "020000000001"), unhex(t, "020000000002")
	pwe := func(pw string, x, y []byte) *Exchange {
		var err error
		var p = func() (e *Exchange) {
			if h2e {
				pt, err2 := DerivePT(group, []byte("gopkt-wlan"), []byte(pw), nil)
				if err2 != nil {
					t.Fatal(err2)
				}
				q, err2 := PWEFromPT(pt, x, y)
				if err2 != nil {
					t.Fatal(err2)
				}
				e, err = NewExchange(q, rand.Reader)
			} else {
				q, err2 := PWEHuntAndPeck(group, []byte(pw), nil, x, y)
				if err2 != nil {
					t.Fatal(err2)
				}
				e, err = NewExchange(q, rand.Reader)
			}
			return e
		}()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := pwe(pwA, ma, mb), pwe(pwB, mb, ma)
	ca, cb := a.Commit(), b.Commit()
	// Through the wire format both ways.
	pa, err := ParseCommit(AppendCommit(nil, &ca, h2e), h2e, 0)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := ParseCommit(AppendCommit(nil, &cb, h2e), h2e, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Process(&pb); err != nil {
		return Keys{}, Keys{}, err
	}
	if err := b.Process(&pa); err != nil {
		return Keys{}, Keys{}, err
	}
	fa, _ := a.Confirm(1)
	fb, _ := b.Confirm(1)
	if err := b.Verify(&fa); err != nil {
		return Keys{}, Keys{}, err
	}
	if err := a.Verify(&fb); err != nil {
		return Keys{}, Keys{}, err
	}
	ka, _ := a.Keys()
	kb, _ := b.Keys()
	return ka, kb, nil
}

func TestExchangeAgrees(t *testing.T) {
	for _, group := range Groups() {
		for _, h2e := range []bool{false, true} {
			ka, kb, err := exchange(t, group, "the right passphrase", "the right passphrase", h2e)
			if err != nil {
				t.Fatalf("group %d h2e=%v: %v", group, h2e, err)
			}
			if !bytes.Equal(ka.KCK, kb.KCK) || ka.PMK != kb.PMK || ka.PMKID != kb.PMKID {
				t.Fatalf("group %d h2e=%v: keys differ", group, h2e)
			}
			// 12.4.5.4 as hostapd 2.10 runs it: the KCK is 32 octets with
			// hunting-and-pecking, the group hash's length with H2E.
			want := 32
			if h2e {
				want = HashLen(group)
			}
			if len(ka.KCK) != want {
				t.Fatalf("group %d h2e=%v: KCK of %d octets, want %d", group, h2e, len(ka.KCK), want)
			}
			if _, _, err := exchange(t, group, "the right passphrase", "the wrong passphrase", h2e); !errors.Is(err, ErrConfirm) {
				t.Fatalf("group %d h2e=%v: different passwords: %v, want ErrConfirm", group, h2e, err)
			}
		}
	}
}

func TestCommitChecks(t *testing.T) {
	ma, mb := unhex(t, "020000000001"), unhex(t, "020000000002")
	pwe, err := PWEHuntAndPeck(Group19, []byte("secret passphrase"), nil, ma, mb)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewExchange(pwe, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	own := x.Commit()
	raw := AppendCommit(nil, &own, false)
	parse := func(b []byte) error {
		c, err := ParseCommit(b, false, 0)
		if err != nil {
			return err
		}
		return x.Process(&c)
	}
	if err := parse(raw); !errors.Is(err, ErrReflection) {
		t.Errorf("reflected commit: %v", err)
	}
	bad := append([]byte(nil), raw...)
	bad[0] = 22
	if err := parse(bad); !errors.Is(err, ErrGroup) {
		t.Errorf("group 22: %v", err)
	}
	bad[0] = 20 // a group we have, but not this exchange's (and too short for it)
	if err := parse(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("group 20 framing: %v", err)
	}
	const n = 32
	for _, v := range [][]byte{{0}, {1}, mustLookup(t, Group19).curve.N.Bytes()} {
		bad := append([]byte(nil), raw...)
		clear(bad[2 : 2+n])
		copy(bad[2+n-len(v):], v)
		if err := parse(bad); !errors.Is(err, ErrScalar) {
			t.Errorf("scalar %x: %v", v, err)
		}
	}
	bad = append([]byte(nil), raw...)
	bad[len(raw)-1] ^= 1
	if err := parse(bad); !errors.Is(err, ErrElement) {
		t.Errorf("element off the curve: %v", err)
	}
	if err := parse(raw[:50]); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated: %v", err)
	}
	if _, err := x.Confirm(1); !errors.Is(err, ErrState) {
		t.Errorf("confirm before keys: %v", err)
	}
}

func TestTokens(t *testing.T) {
	const commitFixedLen = 2 + 3*32
	c := Commit{Group: Group19, Token: []byte("TOKEN"), Scalar: make([]byte, 32), Element: make([]byte, 64)}
	hp := AppendCommit(nil, &c, false)
	if !bytes.Equal(hp[2:7], []byte("TOKEN")) || len(hp) != commitFixedLen+5 {
		t.Fatalf("H&P token placement: %x", hp)
	}
	if p, err := ParseCommit(hp, false, 5); err != nil || string(p.Token) != "TOKEN" {
		t.Fatalf("H&P token parse: %v %q", err, p.Token)
	}
	h2 := AppendCommit(nil, &c, true)
	if !bytes.Equal(h2[commitFixedLen:], []byte{255, 6, 93, 'T', 'O', 'K', 'E', 'N'}) {
		t.Fatalf("H2E token container: %x", h2[commitFixedLen:])
	}
	if p, err := ParseCommit(h2, true, 0); err != nil || string(p.Token) != "TOKEN" {
		t.Fatalf("H2E token parse: %v %q", err, p.Token)
	}
	if g, tok, err := ParseTokenRequest([]byte{19, 0, 1, 2, 3}, false); err != nil || g != 19 || !bytes.Equal(tok, []byte{1, 2, 3}) {
		t.Fatalf("H&P token request: %v %d %x", err, g, tok)
	}
	if g, tok, err := ParseTokenRequest([]byte{19, 0, 255, 4, 93, 1, 2, 3}, true); err != nil || g != 19 || !bytes.Equal(tok, []byte{1, 2, 3}) {
		t.Fatalf("H2E token request: %v %d %x", err, g, tok)
	}
	if _, _, err := ParseTokenRequest([]byte{19, 0, 255, 9, 93, 1}, true); !errors.Is(err, ErrMalformed) {
		t.Fatalf("truncated container: %v", err)
	}
}
