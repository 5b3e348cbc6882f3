"""python -m nerve.playground [--port 8765] [--open]: serves the Playground on 127.0.0.1."""

import argparse
import webbrowser

from .server import serve


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m nerve.playground",
        description="A local web page where a small network learns 2-D data, live.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free one)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only)",
    )
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    args = parser.parse_args(argv)
    server = serve(args.host, args.port)
    print(f"nerve playground: {server.url}  (Ctrl+C stops it)", flush=True)
    if args.open:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
