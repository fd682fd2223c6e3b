/**
 * An authoritative DNS server on loopback UDP (dns-packet): answers TXT queries from `records`
 * (name → values), NXDOMAIN for the rest. Point `dnsServers` at `127.0.0.1:<port>`.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';

export interface TestDns {
  address: string;
  records: Map<string, string[]>;
  queries: number;
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDns> {
  const socket = dgram.createSocket('udp4');
  const records = new Map<string, string[]>();
  const dns: TestDns = {
    address: '',
    records,
    queries: 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (message, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    dns.queries += 1;
    const question = query.questions?.[0];
    const values = question && question.type === 'TXT' ? records.get(question.name.toLowerCase()) : undefined;
    const answers: dnsPacket.Answer[] = (values ?? []).map((value) => ({ type: 'TXT', name: question!.name, ttl: 60, class: 'IN', data: value }));
    const response = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (values ? 0 : 3),
      questions: query.questions ?? [],
      answers,
    });
    socket.send(response, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  dns.address = `127.0.0.1:${(socket.address() as AddressInfo).port}`;
  return dns;
}
