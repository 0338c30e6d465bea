// Package checksum is the Internet checksum (RFC 1071) over a byte slice:
// the one fast implementation that stack/wire (headers) and hw/mbuf
// (buffer chains) share. It sits below both and imports nothing of gopkt;
// programs use wire.Checksum and mbuf's Buf.Checksum, not this package.
//
// Sum returns the folded sum, not its complement, so that partial sums
// (pseudo-header, header, payload in separate buffers) combine with Combine
// and the caller complements once at the end. A received header whose
// checksum field is correct sums to 0xffff.
//
// Speed: RFC 1071 §2(B) and §2(C) allow summing in any byte order and in
// wider words as long as the end-around carry is kept. Sum adds the data
// as little-endian 64-bit words (one plain load each) through an
// add-with-carry chain, eight words per unrolled iteration, folds 64→16
// bits and swaps the two bytes of the result back to network order at the
// end. (A carry-free loop of 32-bit big-endian words for short headers
// measured slower, even at 20 bytes.)
package checksum
