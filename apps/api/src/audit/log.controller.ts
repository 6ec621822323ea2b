import { MissingNodeError, registerWitness, toBase64, WitnessKeyError } from '@accord/log-tree';
import type { EventStore } from '@accord/event-store';
import {
  addSignatureLines,
  openCheckpoint,
  parseNote,
  parseVerifierKey,
  SignedNoteError,
  MalformedNoteError,
  hexKeyId,
} from '@accord/signed-note';
import { Body, Controller, Get, HttpCode, Inject, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiCommonErrors, ApiProblem, ApiRead } from '../http/api-docs.decorators';
import { ProblemException } from '../http/problem';
import { CLOCK, type Clock } from '../infrastructure/clock';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import {
  CheckpointDto,
  CheckpointPageDto,
  CheckpointsQueryDto,
  ConsistencyProofDto,
  ConsistencyQueryDto,
  CosignatureDto,
  InclusionProofDto,
  InclusionQueryDto,
  LogKeyDto,
  RegisterWitnessDto,
  WitnessDto,
} from './log.dto';
import { LogService, type CheckpointView } from './log.service';

/** Every role reads the log's checkpoints and proofs: the parties check them (issue 16). */
const EVERY_ROLE = ['integration', 'delegate', 'secretariat', 'auditor'] as const;
/** Cosignatures dated more than this into the future are refused (the witness's clock is off). */
const FUTURE_SLACK_S = 600;
const treeSizePipe = new ParseIntPipe({
  exceptionFactory: () =>
    new ProblemException(400, 'VALIDATION_FAILED', 'treeSize must be an integer', {
      errors: [{ field: 'treeSize', messages: ['treeSize must be a whole number'] }],
    }),
});

/**
 * The transparency log over the global log: the operator's key, signed checkpoints with the
 * parties' cosignatures, inclusion and consistency proofs (decisions 0025 to 0027, docs/audit.md).
 */
@ApiTags('audit')
@Controller()
@Roles(...EVERY_ROLE)
@ApiCommonErrors()
export class LogController {
  constructor(
    private readonly log: LogService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('audit/log-key')
  @ApiOperation({
    summary: "The operator's checkpoint key: what auditors and witnesses check signatures with",
    description:
      'Pin it out of band (the API printed it at first start): a key learnt from the API proves only that the API is consistent with itself.',
  })
  @ApiRead({ type: LogKeyDto, description: 'The log key' })
  async logKey(): Promise<LogKeyDto> {
    const identity = await this.log.identity();
    return {
      origin: identity.origin,
      logId: identity.logId,
      verifierKey: identity.verifierKey,
      verifierKeys: await this.log.verifierKeys(),
    };
  }

  @Get('audit/checkpoint')
  @ApiOperation({
    summary: 'The latest signed checkpoint, with its cosignatures',
    description:
      'The C2SP signed note over the tree of the first treeSize events, and for each agreement which parties ' +
      'cosigned it. 404 before the first checkpoint (one is made every ACCORD_CHECKPOINT_EVERY events or ' +
      'ACCORD_CHECKPOINT_INTERVAL_MS, and by POST /audit/checkpoints).',
  })
  @ApiRead({ type: CheckpointDto, description: 'The latest checkpoint', notFound: true })
  async latest(): Promise<CheckpointView> {
    const latest = await this.log.checkpoints.latest();
    if (!latest) throw new ProblemException(404, 'NOT_FOUND', 'No checkpoint has been signed yet');
    return this.log.view(latest);
  }

  @Get('audit/checkpoints')
  @ApiOperation({
    summary: 'Every checkpoint kept, newest first, paged',
    description: 'Each checkpoint is kept for good; `before` (a tree size) gives the older ones.',
  })
  @ApiRead({ type: CheckpointPageDto, description: 'A page of checkpoints' })
  async list(@Query() query: CheckpointsQueryDto): Promise<CheckpointPageDto> {
    const limit = query.limit ?? 50;
    const found = await this.log.checkpoints.list({ before: query.before, limit: limit + 1 });
    const items = await this.log.views(found.slice(0, limit));
    return { items, nextBefore: found.length > limit ? items[items.length - 1].treeSize : null };
  }

  @Get('audit/checkpoints/:treeSize')
  @ApiOperation({ summary: 'The checkpoint of one tree size', description: '404 when none was made at that size.' })
  @ApiRead({ type: CheckpointDto, description: 'The checkpoint', notFound: true })
  async one(@Param('treeSize', treeSizePipe) treeSize: number): Promise<CheckpointView> {
    const found = await this.log.checkpoints.get(treeSize);
    if (!found) throw new ProblemException(404, 'NOT_FOUND', `No checkpoint of tree size ${treeSize}`);
    return this.log.view(found);
  }

  @Post('audit/checkpoints')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary: 'Sign a checkpoint now, over the log as it stands (admin)',
    description:
      'Waits (up to ACCORD_READ_WAIT_MS) for the tree to cover the head of the log, then signs it; the last ' +
      'checkpoint when the tree has not grown since. 409 CONFLICT when the tree no longer extends the last ' +
      'checkpoint (the log was rewritten or truncated): the operator never signs that.',
  })
  @ApiCreatedResponse({ type: CheckpointDto, description: 'The checkpoint of the log as it stands' })
  @ApiProblem(409, 'CONFLICT: the tree does not extend the last checkpoint')
  @ApiProblem(503, 'SERVICE_UNAVAILABLE: the tree did not reach the head of the log in time; retry')
  async make(): Promise<CheckpointView> {
    const head = (await this.store.headPosition?.()) ?? (await this.lastPosition());
    const tree = await this.log.treeAt(head);
    return this.log.view((await this.log.sign({ headOf: tree }))!);
  }

  @Post('audit/checkpoints/:treeSize/cosignatures')
  @HttpCode(200)
  @Roles('integration', 'delegate')
  @ApiOperation({
    summary: "Add a witness's cosignature to a checkpoint (a party's integration or delegate key, or admin)",
    description:
      'The line `accord witness cosign` posts: a cosignature/v1 over the checkpoint of that size, by a witness ' +
      "key registered for the caller's party. 422 RULE_VIOLATED when it is not a valid cosignature of a registered " +
      'witness (rule `witness-unknown`, `cosignature-invalid` or `cosignature-in-future`); 403 when the witness ' +
      "is another party's.",
  })
  @ApiOkResponse({ type: CheckpointDto, description: 'The checkpoint with the cosignature kept' })
  @ApiProblem(404, 'NOT_FOUND: no checkpoint of that size')
  @ApiProblem(422, 'RULE_VIOLATED (with rule): not a registered witness, or not its valid cosignature')
  async cosign(
    @Param('treeSize', treeSizePipe) treeSize: number,
    @Body() body: CosignatureDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CheckpointView> {
    const checkpoint = await this.log.checkpoints.get(treeSize);
    if (!checkpoint) throw new ProblemException(404, 'NOT_FOUND', `No checkpoint of tree size ${treeSize}`);
    const line = body.cosignature.endsWith('\n') ? body.cosignature : `${body.cosignature}\n`;
    let note: string;
    try {
      note = addSignatureLines(checkpoint.note, [line]);
    } catch (error) {
      if (!(error instanceof SignedNoteError)) throw error;
      throw new ProblemException(
        400,
        'VALIDATION_FAILED',
        `The cosignature is not a signature line: ${error.message}`,
        {
          errors: [{ field: 'cosignature', messages: [error.message] }],
        },
      );
    }
    // The line parsed alone (addSignatureLines checked it), to find whose it is.
    const signature = parseNote(`cosignature\n\n${line}`).signatures[0];
    const witness = (await this.log.witnesses()).find(
      (w) => w.name === signature.name && w.verifier.keyId === signature.keyId,
    );
    const refused = (rule: string, detail: string) => new ProblemException(422, 'RULE_VIOLATED', detail, { rule });
    if (!witness)
      throw refused(
        'witness-unknown',
        `No witness key ${signature.name}+${hexKeyId(signature.keyId)} is registered (POST /admin/witnesses)`,
      );
    if (principal.role !== 'admin' && principal.party !== witness.party)
      throw new ProblemException(
        403,
        'FORBIDDEN',
        `The witness ${witness.name} is ${witness.party}'s, not ${principal.party}'s`,
      );
    const identity = await this.log.identity();
    const logKeys = (await this.log.verifierKeys()).map((k) => parseVerifierKey(k));
    let cosigned;
    try {
      cosigned = openCheckpoint(note, { log: logKeys, origin: identity.origin, witnesses: [witness.verifier] });
    } catch (error) {
      if (!(error instanceof SignedNoteError) || error instanceof MalformedNoteError) throw error;
      throw refused(
        'cosignature-invalid',
        `The cosignature of ${witness.name} does not verify over checkpoint ${treeSize}`,
      );
    }
    const mine = cosigned.cosignatures.find((c) => c.verifier === witness.verifier);
    if (!mine) throw refused('cosignature-invalid', `No cosignature of ${witness.name} over checkpoint ${treeSize}`);
    const nowS = Math.floor(this.clock.now().getTime() / 1000);
    if (mine.timestamp > BigInt(nowS + FUTURE_SLACK_S))
      throw refused('cosignature-in-future', `The cosignature is dated ${mine.timestamp}, after now (${nowS})`);
    await this.log.checkpoints.addCosignature({
      treeSize,
      witness: witness.name,
      keyId: witness.keyId,
      party: witness.party,
      timestamp: Number(mine.timestamp),
      line,
      receivedAt: this.clock.now().toISOString(),
    });
    return this.log.view(checkpoint);
  }

  @Get('audit/proofs/inclusion')
  @ApiOperation({
    summary: 'Proof that an event is in the tree of a checkpoint',
    description:
      "RFC 9162 inclusion proof of the event's leaf in the tree of `treeSize` leaves (the latest checkpoint's by " +
      "default), with that tree's root and, when one was made, its signed checkpoint. Check it with the leaf " +
      'hash recomputed from the event, never the one given here. 404 when the event is not in the tree (yet); ' +
      '400 when treeSize is beyond the tree or does not include the event.',
  })
  @ApiRead({ type: InclusionProofDto, description: 'The inclusion proof', notFound: true })
  async inclusion(@Query() query: InclusionQueryDto): Promise<InclusionProofDto> {
    const tree = await this.log.tree();
    const head = await tree.head();
    const leaf = await tree.leafOfEvent(query.eventId);
    if (!leaf) throw new ProblemException(404, 'NOT_FOUND', `The event ${query.eventId} is not in the tree (yet)`);
    const treeSize = query.treeSize ?? (await this.log.checkpoints.latest())?.treeSize ?? head.size;
    if (treeSize > head.size) throw badSize('treeSize', `the tree has ${head.size} leaves, not ${treeSize}`);
    if (leaf.leaf >= treeSize)
      throw badSize('treeSize', `the event is leaf ${leaf.leaf}: it is not in the tree of ${treeSize} leaves`);
    const [proof, root, checkpoint] = await Promise.all([
      this.proofOr500(() => tree.inclusionProof(leaf.leaf, treeSize)),
      this.proofOr500(() => tree.root(treeSize)),
      this.log.checkpoints.get(treeSize),
    ]);
    return {
      eventId: leaf.eventId,
      streamId: leaf.streamId,
      revision: leaf.revision,
      position: leaf.position,
      leafIndex: leaf.leaf,
      treeSize,
      leafHash: toBase64(leaf.hash),
      rootHash: toBase64(root),
      proof: proof.map(toBase64),
      checkpoint: checkpoint ? (await this.log.view(checkpoint)).note : null,
    };
  }

  @Get('audit/proofs/consistency')
  @ApiOperation({
    summary: 'Proof that the tree of `to` leaves extends the tree of `from` leaves',
    description:
      'RFC 9162 consistency proof, with both roots. 400 when from > to or to is beyond the tree. Check it against ' +
      'roots you hold from signed checkpoints, not the ones given here.',
  })
  @ApiRead({ type: ConsistencyProofDto, description: 'The consistency proof' })
  async consistency(@Query() query: ConsistencyQueryDto): Promise<ConsistencyProofDto> {
    if (query.from > query.to) throw badSize('from', `from (${query.from}) is above to (${query.to})`);
    const tree = await this.log.tree();
    const head = await tree.head();
    if (query.to > head.size) throw badSize('to', `the tree has ${head.size} leaves, not ${query.to}`);
    const [proof, fromRoot, toRoot] = await Promise.all([
      this.proofOr500(() => tree.consistencyProof(query.from, query.to)),
      this.proofOr500(() => tree.root(query.from)),
      this.proofOr500(() => tree.root(query.to)),
    ]);
    return {
      from: query.from,
      to: query.to,
      fromRoot: toBase64(fromRoot),
      toRoot: toBase64(toRoot),
      proof: proof.map(toBase64),
    };
  }

  @Get('audit/witnesses')
  @ApiOperation({
    summary: "The parties' witness keys, as registered in the log",
    description:
      'Each key was registered by POST /admin/witnesses, an event of the log; a cosignature counts for its party.',
  })
  @ApiRead({ type: [WitnessDto], description: 'Every registered witness key, in registration order' })
  async witnesses(): Promise<WitnessDto[]> {
    return (await this.log.witnesses()).map(({ verifier: _verifier, ...witness }) => witness);
  }

  @Post('admin/witnesses')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary: "Register a party's witness key (admin), recorded as an event of the log",
    description:
      'The key is a cosignature/v1 verifier key (`accord witness keygen`). The same key for the same party again ' +
      'is a repeat (201, nothing appended); a name already registered with another key, or the key for another ' +
      'party, is 409 CONFLICT.',
  })
  @ApiCreatedResponse({ type: WitnessDto, description: 'The witness, as registered' })
  @ApiProblem(409, 'CONFLICT: the name or key is registered already, otherwise')
  async register(@Body() body: RegisterWitnessDto, @CurrentPrincipal() principal: Principal): Promise<WitnessDto> {
    try {
      const { witness } = await registerWitness(
        this.store,
        { party: body.party, verifierKey: body.verifierKey },
        { actor: { id: principal.id, role: principal.role }, now: this.clock.now().toISOString() },
      );
      const { verifier: _verifier, ...view } = witness;
      return view;
    } catch (error) {
      if (!(error instanceof WitnessKeyError)) throw error;
      throw error.code === 'CONFLICT'
        ? new ProblemException(409, 'CONFLICT', error.message)
        : new ProblemException(400, 'VALIDATION_FAILED', error.message, {
            errors: [{ field: 'verifierKey', messages: [error.message] }],
          });
    }
  }

  private async lastPosition(): Promise<number> {
    let after = 0;
    for (;;) {
      const page = await this.store.readAll({ after, maxCount: 1000 });
      if (page.length === 0) return after;
      after = page[page.length - 1].position;
    }
  }

  /** A node missing from the tree is the server's fault (its tables were changed), said plainly. */
  private async proofOr500<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof MissingNodeError)
        throw new ProblemException(500, 'INTERNAL', `The tree is missing a node it should hold: ${error.message}`);
      throw error;
    }
  }
}

function badSize(field: string, message: string): ProblemException {
  return new ProblemException(400, 'VALIDATION_FAILED', message, { errors: [{ field, messages: [message] }] });
}
