// Package radiotap parses and builds radiotap headers (https://www.radiotap.org,
// the de facto standard capture header for 802.11; pcap link type 127,
// LINKTYPE_IEEE802_11_RADIOTAP), so taps can show 802.11 traffic with rate,
// signal and channel, and captures taken elsewhere can be read back.
//
// Layer: beside package frame; net80211 uses Append to prefix frames handed
// to taps, and the card driver of a later issue may use it for its RX info.
//
// Where to start: Parse returns the decoded Fields and the 802.11 frame after
// the header (minus the FCS when the Flags field says one is present);
// Append builds a header for a Fields value, honouring each field's
// alignment (radiotap "Alignment in radiotap").
//
// Supported fields: TSFT, Flags, Rate, Channel, dBm antenna signal and noise,
// lock quality, TX attenuation (both), dBm TX power, antenna, dB antenna
// signal and noise, RX flags, TX flags, RTS and data retries, XChannel, MCS,
// A-MPDU status, VHT, timestamp, HE, HE-MU, HE-MU-other-user, 0-length PSDU,
// L-SIG. Vendor namespaces are skipped by their skip_length; extended
// present words are followed. A field bit this package does not know stops
// decoding (its size is unknown); the fields before it are kept and Unknown
// is set, which is not an error.
//
// Ownership: Parse copies the fields into Fields; the returned frame slice
// aliases the input.
package radiotap
