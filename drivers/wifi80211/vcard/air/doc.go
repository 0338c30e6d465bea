// Package air is the radio side of the virtual 802.11 card
// (docs/vcard.md §8): the Medium a card transmits into, the Station
// interface a medium delivers to, and Local, an in-process medium for unit
// tests where several card models hear each other with configurable loss.
// drivers/wifi80211/hwsim provides the other Medium, the Linux kernel's
// mac80211_hwsim radios.
//
// Where to start: NewLocal, then Join each card model (vcardsim.Model
// implements Station) and give the model the returned Medium.
//
// What it does not do: no propagation delay, no collisions, no carrier
// sense, no per-link signal model beyond a fixed signal per medium; loss is
// independent per delivery and per acknowledgement.
//
// Ownership: the frame passed to Transmit and Receive is only borrowed for
// the call; a Station that keeps it must copy it.
package air
