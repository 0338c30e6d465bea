package vmtest

import (
	"testing"
	"time"
)

// TestVMBackportsIOMMUFDKernel boots the backports lane with the iommufd
// build of the 6.12 kernel (KernelBackportsIOMMUFD), binds an e1000 to
// vfio-pci and checks the kernel offers both paths: /dev/iommu and the
// device's /dev/vfio/devices/vfioN, and the legacy group node.
func TestVMBackportsIOMMUFDKernel(t *testing.T) {
	res := Run(t, Config{
		Lane:    LaneBackports,
		Kernel:  KernelBackportsIOMMUFD,
		NICs:    []NIC{{Model: E1000}},
		Modules: IOMMUFDVFIOModules(),
		Timeout: 4 * time.Minute,
		Script: `
echo "kernel $(uname -r)"
expect "$(uname -r)" "6.12."
[ -c /dev/iommu ] || fail "no /dev/iommu"
dev=/sys/bus/pci/devices/$NIC0_ADDR
echo vfio-pci > $dev/driver_override
echo $NIC0_ADDR > /sys/bus/pci/drivers_probe
drv=$(basename $(readlink $dev/driver))
[ "$drv" = vfio-pci ] || fail "nic0 is bound to '$drv', not vfio-pci"
group=$(basename $(readlink $dev/iommu_group))
[ -c /dev/vfio/$group ] || fail "no legacy group node /dev/vfio/$group"
c=$(ls $dev/vfio-dev)
[ -c /dev/vfio/devices/$c ] || fail "no /dev/vfio/devices/$c"
ls -l /dev/iommu /dev/vfio /dev/vfio/devices
echo "iommufd kernel ok: group $group, cdev /dev/vfio/devices/$c"
`,
	})
	if len(res.Grep("iommufd kernel ok:")) != 1 {
		t.Errorf("console lacks the final line:\n%s", res.Tail(30))
	}
}
