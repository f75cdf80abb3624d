package lockcore

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Filesystem magic numbers (statfs f_type) of filesystems whose locks cannot
// be trusted between machines.
var networkFS = map[int64]string{
	0x6969:     "NFS",
	0x517b:     "SMB",
	0xfe534d42: "SMB2",
	0xff534d42: "CIFS",
	0x65735546: "FUSE",
	0x01021997: "9P",
	0x00c36400: "Ceph",
	0x5346414f: "AFS",
}

// checkFS refuses network filesystems, by statfs magic number.
func checkFS(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return classify("statfs", dir, err)
	}
	if name, bad := networkFS[int64(st.Type)]; bad {
		return &PathError{Op: "statfs", Path: dir, Kind: ErrNetworkFS, Err: errors.New(name + " detected")}
	}
	return nil
}
