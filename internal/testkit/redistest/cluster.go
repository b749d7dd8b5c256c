package redistest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// NewCluster starts a one-node Redis Cluster owning every slot, killed when
// the test ends, and returns its address. In cluster mode Redis refuses
// commands and scripts whose keys span slots, and a redis.ClusterClient
// routes each script by its key, so a test through one proves a script
// Cluster-safe.
func NewCluster(t testing.TB) string {
	t.Helper()
	srv := NewServer(t, append([]string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"}, NoPersistence...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := newConn(srv.Addr(), "")
	defer c.close()
	if _, err := c.do(ctx, "CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil {
		t.Fatalf("assigning the slots: %v", err)
	}
	ok := eventually(ctx, func(ctx context.Context) bool {
		info, err := as[string](c.do(ctx, "CLUSTER", "INFO"))
		return err == nil && strings.Contains(info, "cluster_state:ok")
	})
	if !ok {
		t.Fatalf("the cluster never reached state ok:\n%s", srv.logTail(5))
	}
	return srv.Addr()
}
