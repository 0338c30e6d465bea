// Package capture reads the real 802.11 captures vendored in the repository
// (testdata/wifi at the module root, see its README) for the tests and fuzz seeds of
// the wifi80211 packages. It is test support: nothing on a data path uses it.
//
// Files are read with gopacket's pcapgo; link types 105 (802.11) and 127
// (radiotap + 802.11) are accepted and reported so callers can strip the
// radiotap header themselves.
//
// Ownership: Read returns fresh slices the caller owns; nothing is cached.
package capture
