# bedrock-usage-mcp as an AWS Lambda container image.
#
# mcp-server is its own Lambda runtime: when Lambda sets AWS_LAMBDA_RUNTIME_API
# it runs the Runtime API loop (streaming or buffered responses), so the image
# needs no runtime interface client and no base image - only the binary, its
# shared libraries, the CA bundle and a few /etc files.
#
# Every build step is a repository script that CI also runs on the host
# (scripts/test -> scripts/build; tests/integration/lambda_packaging.py ->
# scripts/package-lambda), so what CI tests and measures is what ships.
#
#   docker buildx build --platform linux/amd64 --provenance=false -t bedrock-usage-mcp .
#   docker buildx build --platform linux/arm64 --provenance=false -t bedrock-usage-mcp:arm64 .
#
# --provenance=false: Lambda rejects image indexes that carry attestation
# manifests. Local run without Lambda (HTTP mode, demo data):
#   docker run --rm -p 3000:3000 bedrock-usage-mcp --demo --host 0.0.0.0 --allow-insecure-public
#
# Packaging decisions:
# - Build stage base: debian:12.11-slim, a point-release tag (never `latest`):
#   the same Debian release as CI, reproducible until the pin is bumped on
#   purpose. The shipped libraries come from the apt-get install in
#   scripts/install-deps, so they carry the archive's current security fixes
#   for everything installed there; bump the point release to refresh glibc.
# - No --platform=$BUILDPLATFORM on the build stage: we do not cross-compile.
#   For an arm64 image the build stage runs natively (under emulation on an
#   x86_64 builder), so binary, libraries and loader all match TARGETPLATFORM.
# - Runtime stage FROM scratch: about 10 MB compressed (measured by
#   tests/integration/lambda_packaging.py), small layer = faster cold pulls.
# - Entry point /usr/local/bin/mcp-server: the usual place for a locally built
#   program; libraries stay at Debian's paths (/usr/lib/<multiarch>, loader at
#   /lib64 or /lib) so no rpath or LD_LIBRARY_PATH is needed.
# - No USER instruction: Lambda ignores it and always runs the entry point as
#   its own unprivileged user with a read-only root (only /tmp is writable);
#   scripts/package-lambda makes every file world-readable for that user.
# - No zip for the provided.al2023 runtime: the binary needs glibc 2.36
#   (Debian 12) and al2023 has 2.34; a zip would have to start mcp-server
#   through a bundled loader from a bootstrap shell script, with al2023's own
#   /etc/nsswitch.conf, NSS modules and CA paths mixed into our glibc. The image
#   carries its whole userland instead.

FROM debian:12.11-slim AS build
WORKDIR /src
# Dependencies first, so editing sources does not reinstall them.
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps --build
COPY . .
RUN scripts/build release mcp-server -DMCP_BUILD_TESTS=OFF -DMCP_BUILD_BENCH=OFF
RUN scripts/package-lambda --build-dir build/release --out /out

FROM scratch
COPY --from=build /out/rootfs/ /
ENTRYPOINT ["/usr/local/bin/mcp-server"]
