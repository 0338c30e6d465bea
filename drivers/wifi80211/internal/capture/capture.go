package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Link types of the captures (tcpdump.org link-layer header types).
const (
	LinkIEEE80211         = 105
	LinkIEEE80211Radiotap = 127
)

// EnvDir overrides where the captures are looked for.
const EnvDir = "GOPKT_WIFI_TESTDATA"

// ErrNoTestdata means the captures folder was not found; tests skip on it.
var ErrNoTestdata = errors.New("capture: wifi testdata not found")

// File is the content of one capture.
type File struct {
	LinkType int
	Packets  [][]byte
}

// Dir returns the captures folder: $GOPKT_WIFI_TESTDATA, else
// <module root>/testdata/wifi (the captures are vendored with their README),
// found by walking up from the working directory to go.mod.
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			td := filepath.Join(d, "testdata", "wifi")
			if _, err := os.Stat(td); err != nil {
				return "", fmt.Errorf("%w: %s missing; set %s", ErrNoTestdata, td, EnvDir)
			}
			return td, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: no go.mod above %s; set %s", ErrNoTestdata, wd, EnvDir)
		}
	}
}

// Read reads one capture by file name from Dir.
func Read(name string) (*File, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", name, err)
	}
	out := &File{LinkType: int(r.LinkType())}
	if lt := r.LinkType(); lt != layers.LinkTypeIEEE802_11 && lt != layers.LinkTypeIEEE80211Radio {
		return nil, fmt.Errorf("capture %s: link type %d is neither 105 nor 127", name, lt)
	}
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		out.Packets = append(out.Packets, data)
	}
	return out, nil
}

// Names lists the capture files the tests use.
func Names() []string {
	return []string{
		"wpa2.eapol.cap",
		"wep.open.system.authentication.cap",
		"Chinese-SSID-Name.pcap",
		"wpa3-psk.pcap",
	}
}

// Frames returns the 802.11 frames of the capture: for link type 127 the
// radiotap header is cut by its it_len field (radiotap.org "Radiotap header
// format"); packets too short for it are dropped. None of the captures carry
// an FCS.
func (f *File) Frames() [][]byte {
	if f.LinkType != LinkIEEE80211Radiotap {
		return f.Packets
	}
	var out [][]byte
	for _, p := range f.Packets {
		if len(p) < 4 {
			continue
		}
		n := int(p[2]) | int(p[3])<<8
		if n > len(p) {
			continue
		}
		out = append(out, p[n:])
	}
	return out
}
