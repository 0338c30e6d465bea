package reg

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestTxDescLayout(t *testing.T) {
	d := TxDesc(make([]byte, DescSize))
	d.Fill(0x1122334455667788, 0x05dc, 3, TxINTR|TxSEQ, 108, 7, 0xdeadbeef)
	d.Complete(TxDONE|TxACKED, 2, 0x0000b5039776e70c)
	want, _ := hex.DecodeString("8877665544332211" + "dc05" + "03" + "06" + "6c" + "07" + "0000" + "efbeadde" +
		"03" + "02" + "0000" + "0ce7769703b50000")
	if !bytes.Equal(d, want) {
		t.Fatalf("TX descriptor\n got %x\nwant %x", []byte(d), want)
	}
	if d.Addr() != 0x1122334455667788 || d.Len() != 1500 || d.Key() != 3 || d.Rate() != 108 || d.Tries() != 7 ||
		d.Cookie() != 0xdeadbeef || d.Status() != TxDONE|TxACKED || d.Attempts() != 2 || d.PN() != 0xb5039776e70c {
		t.Fatal("TX accessors disagree with the layout")
	}
}

func TestRxDescLayout(t *testing.T) {
	d := RxDesc(make([]byte, DescSize))
	d.Arm(0x0000000100000080, 2048)
	d.Complete(&RxInfo{Len: 100, Status: RxDECRYPTED, Key: 4, Rate: 22, Signal: -50, Noise: -95, Freq: 2412, PN: 42})
	want, _ := hex.DecodeString("8000000001000000" + "0008" + "6400" + "0300" + "04" + "16" + "ce" + "a1" + "6c09" +
		"00000000" + "2a00000000000000")
	if !bytes.Equal(d, want) {
		t.Fatalf("RX descriptor\n got %x\nwant %x", []byte(d), want)
	}
	if d.Status() != RxDONE|RxDECRYPTED || d.Key() != 4 || d.Rate() != 22 || d.Signal() != -50 || d.Noise() != -95 || d.Freq() != 2412 || d.Len() != 100 || d.PN() != 42 {
		t.Fatal("RX accessors disagree with the layout")
	}
	d.ClearStatus()
	if d.Status() != 0 || d.Key() != 0 {
		t.Fatal("ClearStatus left the status word")
	}
}
