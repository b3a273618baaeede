// `/version`'s platform in Go's GOOS/GOARCH words (what kubectl version and clients expect), from
// the machine Node runs on: linux/amd64, linux/arm64, darwin/arm64...
const OS: Record<string, string> = { win32: 'windows', sunos: 'solaris' };
const ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le', mipsel: 'mipsle' };

export function goPlatform(platform: string = process.platform, arch: string = process.arch): string {
  return `${OS[platform] ?? platform}/${ARCH[arch] ?? arch}`;
}
