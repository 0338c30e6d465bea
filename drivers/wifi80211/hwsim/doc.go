// Package hwsim connects gopkt's virtual 802.11 card to the Linux kernel's
// mac80211_hwsim radios: our process registers over generic netlink as the
// wireless medium (the role wmediumd plays), so every frame a kernel radio
// transmits comes to us, and we deliver frames to the kernel radios.
//
// Where to start: Open resolves the "MAC80211_HWSIM" family by name and
// registers; Join adds our card models (air.Station); give the Medium to
// each model with SetMedium; Serve runs the receive loop until Close.
//
// What it does, per kernel frame (HWSIM_CMD_FRAME): deliver it to our
// stations on the radio's frequency and relay it to the other kernel radios
// (so a second radio running wpa_supplicant works, as under wmediumd), with
// HWSIM_ATTR_FREQ so the kernel drops what a radio is not tuned to; then
// answer with HWSIM_CMD_TX_INFO_FRAME echoing transmitter, flags, cookie and
// TX info, adding HWSIM_TX_STAT_ACK when a receiver acknowledged — one of
// our cards, or a kernel radio owning Address 1 (its permanent address or
// one announced with HWSIM_CMD_ADD_MAC_ADDR). Without that answer mac80211
// never completes a transmission and hostapd never starts the 4-way
// handshake. Our card's frames go to every kernel radio as
// HWSIM_CMD_FRAME addressed to the radio's hwsim address (the permanent
// address with 0x40 set in the first octet, learned from
// HWSIM_ATTR_ADDR_TRANSMITTER), with RX_RATE, SIGNAL and FREQ.
//
// Rates (rates.go): a kernel frame reaches our cards at its first TX
// rate, an HT MCS (0x80|i) when that rate's HWSIM_ATTR_TX_INFO_FLAGS entry
// says MAC80211_HWSIM_TX_RC_MCS. Our frames reach the kernel with a
// legacy rate index only, since HWSIM_CMD_FRAME has no HT field
// (hwsim_cloned_frame_received_nl sets rate_idx alone): an HT MCS goes as
// the highest legacy rate not above its data rate.
//
// The uapi numbers are those of the kernel's drivers/net/wireless/
// mac80211_hwsim.h (DESIGN.md §5 lists the ones verified here).
//
// Config.Lose loses chosen kernel frames on purpose (a test that needs an
// AP's SAE Confirm lost, say): not delivered, not acknowledged, counted.
//
// Signal levels: every radio hears every radio on its frequency at
// Config.Signal, except on the links Config.Links names (FROM radio to TO
// radio, or to every radio), which carry their own level — so a test can
// make one AP stronger than another.
//
// What it does not do: no loss model beyond Config.Lose, no virtio transport, no
// radio creation (HWSIM_CMD_NEW_RADIO); a kernel radio that never
// transmitted is unknown until it does (or is named in Config.Radios).
//
// Ownership: frames handed to stations are borrowed for the Receive call.
// Serve is one goroutine; Transmit may be called from any goroutine (the
// card models' transmit engines).
package hwsim
