package meshctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		var namespace, sa string
		create := &cobra.Command{
			Use:   "create",
			Short: "Mint a bootstrap token for a workload identity (meshd's host only)",
			Long: `create asks meshd (POST /ca/tokens, served to loopback callers only) for a
bootstrap token with which a meshproxy gets certificates for exactly
spiffe://<trust domain>/ns/NAMESPACE/sa/SERVICE_ACCOUNT:

  meshproxy --token $(meshctl token create -n shop --service-account web) ...`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if sa == "" {
					return usageError{errors.New("token create: --service-account is required")}
				}
				body, _ := json.Marshal(map[string]string{"namespace": namespace, "serviceAccount": sa})
				req, err := http.NewRequestWithContext(cmd.Context(), http.MethodPost, e.baseURL()+"/ca/tokens", bytes.NewReader(body))
				if err != nil {
					return usageError{err}
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := httpClient.Do(req)
				if err != nil {
					return e.reach(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
				switch resp.StatusCode {
				case http.StatusOK:
				case http.StatusNotFound:
					return failure{fmt.Errorf("token create: %s; start meshd with --secure-xds-address so its CA runs", strings.TrimSpace(string(b)))}
				case http.StatusForbidden:
					return failure{fmt.Errorf("token create: %s; run meshctl on meshd's host", strings.TrimSpace(string(b)))}
				default:
					return failure{fmt.Errorf("token create: meshd answered %s: %s", resp.Status, strings.TrimSpace(string(b)))}
				}
				var out struct {
					Token string `json:"token"`
				}
				if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
					return failure{fmt.Errorf("token create: meshd's answer has no token: %s", b)}
				}
				_, err = fmt.Fprintln(e.stdout, out.Token)
				return err
			},
		}
		create.Flags().StringVarP(&namespace, "namespace", "n", "default", "workload namespace")
		create.Flags().StringVar(&sa, "service-account", "", "workload service account")
		c := &cobra.Command{Use: "token", Short: "Bootstrap tokens for proxies outside Kubernetes"}
		c.AddCommand(create)
		return c
	})
}
