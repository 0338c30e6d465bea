package frame

// Type is the 2-bit Type field of the Frame Control field (9.2.4.1.3, table 9-1).
type Type uint8

// Frame types.
const (
	TypeMgmt Type = 0
	TypeCtrl Type = 1
	TypeData Type = 2
	TypeExt  Type = 3
)

// Subtype values for each type (IEEE 802.11-2016 table 9-1).
const (
	// Management.
	SubAssocReq    = 0
	SubAssocResp   = 1
	SubReassocReq  = 2
	SubReassocResp = 3
	SubProbeReq    = 4
	SubProbeResp   = 5
	SubTimingAdv   = 6
	SubBeacon      = 8
	SubATIM        = 9
	SubDisassoc    = 10
	SubAuth        = 11
	SubDeauth      = 12
	SubAction      = 13
	SubActionNoAck = 14

	// Control.
	SubBeamformingPoll = 4
	SubVHTNDPA         = 5
	SubCtrlExt         = 6
	SubCtrlWrapper     = 7
	SubBlockAckReq     = 8
	SubBlockAck        = 9
	SubPSPoll          = 10
	SubRTS             = 11
	SubCTS             = 12
	SubACK             = 13
	SubCFEnd           = 14
	SubCFEndAck        = 15

	// Data. Bit 3 (value 8) marks the QoS variants, bit 2 (value 4) the
	// variants without a frame body (9.2.4.1.3).
	SubData          = 0
	SubDataCFAck     = 1
	SubDataCFPoll    = 2
	SubDataCFAckPoll = 3
	SubNull          = 4
	SubCFAck         = 5
	SubCFPoll        = 6
	SubCFAckPoll     = 7
	SubQoSData       = 8
	SubQoSDataCFAck  = 9
	SubQoSDataCFPoll = 10
	SubQoSDataAckPol = 11
	SubQoSNull       = 12
	SubQoSCFPoll     = 14
	SubQoSCFAckPoll  = 15
)

var typeNames = [4]string{"mgmt", "ctrl", "data", "ext"}

func (t Type) String() string { return typeNames[t&3] }

var mgmtNames = [16]string{
	"assoc-req", "assoc-resp", "reassoc-req", "reassoc-resp", "probe-req", "probe-resp",
	"timing-adv", "mgmt-7", "beacon", "atim", "disassoc", "auth", "deauth", "action",
	"action-noack", "mgmt-15",
}

var ctrlNames = [16]string{
	"ctrl-0", "ctrl-1", "ctrl-2", "ctrl-3", "bf-poll", "vht-ndpa", "ctrl-ext", "ctrl-wrapper",
	"block-ack-req", "block-ack", "ps-poll", "rts", "cts", "ack", "cf-end", "cf-end-ack",
}

var dataNames = [16]string{
	"data", "data-cf-ack", "data-cf-poll", "data-cf-ack-poll", "null", "cf-ack", "cf-poll",
	"cf-ack-poll", "qos-data", "qos-data-cf-ack", "qos-data-cf-poll", "qos-data-cf-ack-poll",
	"qos-null", "data-13", "qos-cf-poll", "qos-cf-ack-poll",
}

// SubtypeName returns a short lower-case name for a type/subtype pair.
func SubtypeName(t Type, sub uint8) string {
	switch t {
	case TypeMgmt:
		return mgmtNames[sub&15]
	case TypeCtrl:
		return ctrlNames[sub&15]
	case TypeData:
		return dataNames[sub&15]
	}
	return "ext"
}
