// Command pulumi-language-nodejs is this project's Node.js language host for the Pulumi engine.
//
// Pulumi's own host is a Go module of its own that the Go module proxy reachable from the
// project's machines does not serve, so setup builds this one when no Pulumi CLI is installed.
// It keeps the contract the engine and the SDK's launcher (@pulumi/pulumi/cmd/run) agree on:
// the flags and environment the launcher reads, config keys in the `<ns>:config:<name>` form,
// exit code 32 meaning "the program already told the user", and the plugin list read from
// `"pulumi": {"resource": true}` in node_modules package.json files.
//
// What it leaves out, on purpose: the monitor proxy and the synchronous-invoke pipes (the SDK
// talks to the engine's monitor directly; `--sync` is optional for the launcher), the bun
// runtime, debugger attachment, code generation, packing and linking.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/shlex"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

const (
	launcherModule = "@pulumi/pulumi/cmd/run"
	// The launcher exits with this code after printing an error meant for the user.
	exitAfterUserMessage = 32
)

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
}

func main() {
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint, passed to the program")
	runtimeName := flag.String("runtime", "nodejs", "only nodejs is supported")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	if *runtimeName != "nodejs" {
		fail(fmt.Errorf("unsupported runtime %q: this host runs nodejs only", *runtimeName))
	}
	engineAddress := flag.Arg(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancel := make(chan bool)
	go func() { <-ctx.Done(); close(cancel) }()

	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			fail(fmt.Errorf("could not start the engine health check: %w", err))
		}
	}
	srv := &host{engineAddress: engineAddress, tracing: *tracing}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, srv)
			return nil
		},
	})
	if err != nil {
		fail(fmt.Errorf("could not start the language host: %w", err))
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail(fmt.Errorf("language host stopped serving: %w", err))
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
	os.Exit(1)
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	packages, err := resourcePackages(filepath.Join(req.GetInfo().GetProgramDirectory(), "node_modules"))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

// packageJSON holds the fields of a package.json that name a resource plugin.
type packageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// resourcePackages lists the resource plugins that node_modules packages declare.
func resourcePackages(nodeModules string) ([]*pulumirpc.PackageDependency, error) {
	var found []*pulumirpc.PackageDependency
	seen := map[string]bool{}
	err := filepath.WalkDir(nodeModules, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if entry.IsDir() || entry.Name() != "package.json" {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var info packageJSON
		if json.Unmarshal(raw, &info) != nil || !info.Pulumi.Resource {
			return nil
		}
		name := info.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(info.Name, "@pulumi/")
		}
		pluginVersion := info.Pulumi.Version
		if pluginVersion == "" {
			pluginVersion = info.Version
		}
		if !strings.HasPrefix(pluginVersion, "v") {
			pluginVersion = "v" + pluginVersion
		}
		if key := name + "@" + pluginVersion; !seen[key] {
			seen[key] = true
			found = append(found, &pulumirpc.PackageDependency{
				Name: name, Kind: "resource", Version: pluginVersion, Server: info.Pulumi.Server,
			})
		}
		return nil
	})
	return found, err
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml that change how the program starts.
type runtimeOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func parseRuntimeOptions(options map[string]any) (runtimeOptions, error) {
	parsed := runtimeOptions{typescript: true}
	if value, ok := options["typescript"]; ok {
		typescript, isBool := value.(bool)
		if !isBool {
			return parsed, errors.New("runtime option typescript must be a boolean")
		}
		parsed.typescript = typescript
	}
	if value, ok := options["tsconfig"]; ok {
		tsconfig, isString := value.(string)
		if !isString {
			return parsed, errors.New("runtime option tsconfig must be a string")
		}
		parsed.tsconfig = tsconfig
	}
	if value, ok := options["nodeargs"]; ok {
		nodeargs, isString := value.(string)
		if !isString {
			return parsed, errors.New("runtime option nodeargs must be a string")
		}
		split, err := shlex.Split(nodeargs)
		if err != nil {
			return parsed, fmt.Errorf("runtime option nodeargs: %w", err)
		}
		parsed.nodeargs = split
	}
	return parsed, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the PATH: " + err.Error()}, nil
	}
	options, err := parseRuntimeOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	launcher, err := resolveModule(ctx, node, req.GetInfo().GetProgramDirectory(), launcherModule)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env, err := programEnvironment(req, options)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := append(append([]string{}, options.nodeargs...), h.launcherArguments(req, launcher)...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	// Node may switch its stdio to non-blocking mode: never hand it our own descriptors.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	cmd.Env = env
	return runResponse(cmd.Run()), nil
}

func runResponse(err error) *pulumirpc.RunResponse {
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return &pulumirpc.RunResponse{Error: "could not run the Node.js program: " + err.Error()}
	}
	if exitErr.ExitCode() == exitAfterUserMessage {
		return &pulumirpc.RunResponse{Bail: true}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}
}

// resolveModule finds a module the way the program's own require() would.
func resolveModule(ctx context.Context, node, programDirectory, module string) (string, error) {
	script := "process.stdout.write(require.resolve(process.argv[1], { paths: [process.argv[2]] }))"
	out, err := exec.CommandContext(ctx, node, "-e", script, module, programDirectory).Output()
	if err != nil {
		return "", fmt.Errorf("could not find %s from %s: install the project's dependencies (npm ci): %w", module, programDirectory, err)
	}
	return string(out), nil
}

func (h *host) launcherArguments(req *pulumirpc.RunRequest, launcher string) []string {
	args := []string{launcher}
	add := func(flagName, value string) {
		if value != "" {
			args = append(args, "--"+flagName, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetInfo().GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	args = append(args, req.GetInfo().GetEntryPoint())
	return append(args, req.GetArgs()...)
}

// programEnvironment passes the stack configuration the way the SDK reads it.
func programEnvironment(req *pulumirpc.RunRequest, options runtimeOptions) ([]string, error) {
	legacyKeys := make(map[string]string, len(req.GetConfig()))
	for key, value := range req.GetConfig() {
		parsed, err := config.ParseKey(key)
		if err != nil {
			return nil, err
		}
		legacyKeys[parsed.Namespace()+":config:"+parsed.Name()] = value
	}
	configJSON, err := json.Marshal(legacyKeys)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(configJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	if options.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if options.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+options.tsconfig)
	}
	return env, nil
}
