"""A real SMTP server on loopback for the notification tests (Debian's python3-aiosmtpd).

Usage: python3 smtp_sink.py OUTDIR
Binds 127.0.0.1 on a free port and prints the port on the first line of stdout once it
accepts connections. Each message received is stored as OUTDIR/NNNN.eml (the raw message)
and OUTDIR/NNNN.json (envelope, decoded headers and parts), written under a temporary name
and renamed, so a reader never sees half a file.
"""

import asyncio
import email
import email.policy
import itertools
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.numbers)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            parts.append(
                {
                    "content_type": part.get_content_type(),
                    "charset": part.get_content_charset(),
                    "body": part.get_content(),
                }
            )
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {k: str(v) for k, v in message.items()},
            "content_type": message.get_content_type(),
            "parts": parts,
        }
        self._write(f"{n:04}.eml", raw)
        self._write(f"{n:04}.json", json.dumps(record).encode())
        return "250 OK"

    def _write(self, name, data):
        tmp = os.path.join(self.outdir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.outdir, name))


async def main(outdir):
    sink = Sink(outdir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
