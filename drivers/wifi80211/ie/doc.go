// Package ie parses and builds IEEE 802.11 information elements (IEEE Std
// 802.11-2016 clause 9.4.2): the element iterator plus typed forms of SSID,
// Supported/Extended Supported Rates, DS Parameter Set, TIM, Country, ERP,
// RSN, HT Capabilities and Operation, VHT Capabilities and Operation, and
// vendor-specific elements including the WPA (00:50:F2 type 1) and WMM
// (00:50:F2 type 2) ones.
//
// Layer: above package frame (which hands out the element bytes that follow a
// management frame's fixed fields) and below net80211 (scan, association,
// supplicant).
//
// Where to start: Iter walks elements without allocating and stops with
// ErrTruncated on a length that runs past the buffer; Validate checks a
// whole list. Typed parsers (ParseRSN, ParseTIM, ...) return sentinel errors
// for malformed bodies; Append* functions build elements.
//
// Not supported: element ID extension elements beyond recognising ID 255
// (HE, FILS), fragmented elements (9.4.2.1 element fragmentation), the
// Multiple BSSID element's nested profiles.
//
// Ownership: views alias the caller's bytes; typed forms copy small fixed
// fields and alias variable ones (SSID bytes, vendor data).
package ie
