package observer

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/gopacket/pcapgo"
)

// The network of the captures in testdata (see its README).
const (
	testSSID = "gopkt-decrypt"
	testPass = "decrypt passphrase"
	saePMK   = "f8906aee207be9e36efa8258529b6df50cbd3a64b0bb40a7a3e4a8df5bb58832"
)

// unpack gunzips testdata/name.pcap.gz into the test's temporary folder.
func unpack(t testing.TB, name string) string {
	t.Helper()
	raw := readCapture(t, name)
	p := filepath.Join(t.TempDir(), name+".pcap")
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readCapture returns the pcap bytes of testdata/name.pcap.gz.
func readCapture(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".pcap.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// records returns a pcap's link type and records (copied).
func records(t testing.TB, raw []byte) (int, [][]byte) {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		d, _, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return int(r.LinkType()), out
}

// config returns the secrets a capture needs.
func config(name string) Config {
	c := Config{SSID: []byte(testSSID), Passphrase: testPass}
	if name == "wpa3-sae" {
		k, _ := ParseKey(saePMK)
		c = Config{PMKs: [][]byte{k}}
	}
	return c
}

// decryptBytes runs DecryptCapture over raw and returns the stats and output.
func decryptBytes(t testing.TB, raw []byte, c CaptureConfig) (CaptureStats, []byte) {
	t.Helper()
	var out bytes.Buffer
	st, err := DecryptCapture(bytes.NewReader(raw), &out, c)
	if err != nil {
		t.Fatal(err)
	}
	return st, out.Bytes()
}
