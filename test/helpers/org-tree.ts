// Two aggregators, each with firms and people, for the authorization tests.
import { randomBytes } from 'node:crypto';
import type { ServiceContext } from '../../src/services/context.js';
import { createOrganization, createUser } from '../../src/services/accounts.js';
import { startTotpEnrollment } from '../../src/services/two-factor.js';
import { generateTotpCode, secretFromBase32 } from '../../src/domain/totp.js';
import { STRONG_PASSWORD, type TestUser, turnOnTotp } from './fixtures.js';

export interface OrgTree {
  aggregatorA: { id: string; name: string };
  aggregatorB: { id: string; name: string };
  firms: Record<'A1' | 'A2' | 'B1', { id: string; name: string }>;
  people: Record<'aggAdminA' | 'memberOfA' | 'firmAdminA1' | 'memberA1' | 'otherMemberA1' | 'memberA2' | 'aggAdminB' | 'firmAdminB1' | 'memberB1', TestUser>;
}

export async function createOrgTree(services: ServiceContext): Promise<OrgTree> {
  // Letters only: names must not look like codes or numbers in the messages tests read.
  const tag = randomBytes(3).toString('hex').replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!);
  const aggregatorA = await createOrganization(services, { name: `Aggregator A ${tag}` });
  const aggregatorB = await createOrganization(services, { name: `Aggregator B ${tag}` });
  const firmA1 = await createOrganization(services, { name: `Firm A1 ${tag}`, parentName: aggregatorA.name });
  const firmA2 = await createOrganization(services, { name: `Firm A2 ${tag}`, parentName: aggregatorA.name });
  const firmB1 = await createOrganization(services, { name: `Firm B1 ${tag}`, parentName: aggregatorB.name });
  const person = async (key: string, orgName: string, role: 'member' | 'admin'): Promise<TestUser> => {
    const email = `${key.toLowerCase()}.${tag}@example.com.au`;
    const { id } = await createUser(services, { email, name: key, orgName, role, password: STRONG_PASSWORD });
    // Everyone has an authenticator, so a reset has something to remove.
    const enrollment = await startTotpEnrollment(services, id);
    const secret = secretFromBase32(enrollment.secretForManualEntry.replace(/ /g, ''));
    await turnOnTotp(services, id, generateTotpCode({ secret, timeInMs: services.now() - 30_000 }), { ip: '127.0.0.1', userAgent: 'fixture' });
    return { id, email, password: STRONG_PASSWORD, secret };
  };
  return {
    aggregatorA,
    aggregatorB,
    firms: { A1: firmA1, A2: firmA2, B1: firmB1 },
    people: {
      aggAdminA: await person('AggAdminA', aggregatorA.name, 'admin'),
      memberOfA: await person('MemberOfA', aggregatorA.name, 'member'),
      firmAdminA1: await person('FirmAdminA1', firmA1.name, 'admin'),
      memberA1: await person('MemberA1', firmA1.name, 'member'),
      otherMemberA1: await person('OtherMemberA1', firmA1.name, 'member'),
      memberA2: await person('MemberA2', firmA2.name, 'member'),
      aggAdminB: await person('AggAdminB', aggregatorB.name, 'admin'),
      firmAdminB1: await person('FirmAdminB1', firmB1.name, 'admin'),
      memberB1: await person('MemberB1', firmB1.name, 'member'),
    },
  };
}
