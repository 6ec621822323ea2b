/**
 * Published test vectors, copied as strings from where they were published (the commit is
 * the one read). They are facts to check against, not code: nothing here is derived by us,
 * except where a comment says "derived", and then from published inputs only.
 */

/** C2SP/C2SP signed-note.md, "Verifier keys" → "Example" (commit 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9). */
export const C2SP_SIGNED_NOTE = {
  verifierKey: 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k',
  note:
    'This is an example message.\n' +
    '\n' +
    '— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n',
  /** The spec's opening example: a text with an empty line and non-ASCII letters; its key is not published. */
  quasimodo:
    'Ognuno sta solo sul cuor della terra\n' +
    'trafitto da un raggio di sole:\n' +
    '\n' +
    'ed è subito sera.\n' +
    '\n' +
    '— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n',
};

/**
 * C2SP/C2SP tlog-checkpoint.md and tlog-cosignature.md, the examples (same commit). The log's
 * and the witness's keys are not published: the lines are checked for form, key ID and time.
 */
export const C2SP_CHECKPOINT = {
  note:
    'example.com/behind-the-sofa\n' +
    '20852163\n' +
    'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n' +
    '\n' +
    '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n',
  cosignatureLine:
    '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n',
  /** tlog-cosignature.md, "Ed25519 signed message": the message for the checkpoint above at this time. */
  cosignedMessage:
    'cosignature/v1\n' +
    'time 1679315147\n' +
    'example.com/behind-the-sofa\n' +
    '20852163\n' +
    'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
  cosignatureTime: 1679315147n,
};

/** golang/mod sumdb/note/note_test.go (commit fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db). */
export const GO_NOTE = {
  peterVerifierKey: 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
  peterSignerKey: 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz',
  enochVerifierKey: 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop',
  text: 'If you think cryptography is the answer to your problem,\n' + "then you don't know what your problem is.\n",
  peterSignature:
    '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n',
  enochSignature:
    '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n',
  /** TestNewVerifier: a wrong-length key with an adjusted key hash, an unknown algorithm with an adjusted key hash. */
  badVerifierKeys: [
    'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
    'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
  ],
};

/** transparency-dev/formats log/note_test.go (commit 0b850f1a7b4a5b70deeacac6535e4b8023809d21): published key pairs. */
export const TRANSPARENCY_DEV_KEYS = [
  {
    verifierKey: 'Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs',
    signerKey: 'PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ',
  },
  {
    verifierKey: 'Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH',
    signerKey: 'PRIVATE+KEY+Known+451c786d+AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci',
  },
  {
    verifierKey: 'KnownAgain+4893b26c+AQ+LR7BFF/F/dkpIBjBpSvT0crkteizuUkavAoGeaYMj',
    signerKey: 'PRIVATE+KEY+KnownAgain+4893b26c+ARhZda/l25zjGZswYLDZsLNRzNpmv5wYTN9IoTr1OJ2+',
  },
  {
    verifierKey: 'Unknown+fdbb2e08+AWgRIYZ+8x1Vl+1Q+sR8zciNHiYI1SdlBjNw+RV0rots',
    signerKey: 'PRIVATE+KEY+Unknown+fdbb2e08+Aav2knTC6orbhXX8pMWuNiWgO+Wwk2DB+h1eU2Q1W1nU',
  },
];

/**
 * Real checkpoints of Go's checksum database, signed by its published key (the key from
 * golang/go src/cmd/go/internal/modfetch/key.go). The first from transparency-dev/formats
 * log/note_test.go (commit above), the second from sigsum/sigsum-go
 * pkg/checkpoint/checkpoint_test.go (commit 192b553292d7fbec6bbaf39a96359de59d96112d),
 * "retrieved from https://sum.golang.org/latest, 2024-09-23".
 */
export const SUM_GOLANG_ORG = {
  verifierKey: 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8',
  origin: 'go.sum database tree',
  checkpoints: [
    {
      size: 6476701,
      note:
        'go.sum database tree\n' +
        '6476701\n' +
        'mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n' +
        '\n' +
        '— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n',
    },
    {
      size: 30055305,
      note:
        'go.sum database tree\n' +
        '30055305\n' +
        'mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=\n' +
        '\n' +
        '— sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFjBY+2TyGKevucFcAAlWFJJYle3EJlDCrQ+y3A8=\n',
    },
  ],
};

/** transparency-dev/formats note/note_cosigv1_test.go (commit above). */
export const TRANSPARENCY_DEV_COSIGNATURE = {
  /** TestCoSigV1NewVerifier, "native algEd25519CosignatureV1 verifier": a real witness's cosignature vkey. */
  remoraVerifierKey: 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
  /** TestCoSigV1NewVerifier, "works: convert from algEd25519": a type 0x01 vkey whose base64 starts after a plus. */
  plainVerifierKey: 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6',
  /** TestCoSigV1Timestamp "works": the signature part of a cosignature line and its time. */
  timestamped: {
    base64: 'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==',
    time: 1727964367n,
  },
  /** TestCoSigV1Timestamp "wrong type of signature": an Ed25519 note signature, no timestamp. */
  notACosignature: 'eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=',
};

/**
 * sigsum/sigsum-go pkg/checkpoint/checkpoint_test.go (commit above): a checkpoint signed
 * and cosigned with the Ed25519 seed 0x11 ‖ 0x00 × 31 (`crypto.PrivateKey{17}`), the
 * cosignature at time 1234. Ed25519 is deterministic, so both signing and verifying are
 * checked byte for byte.
 */
export const SIGSUM = {
  seedHex: '11' + '00'.repeat(31),
  logOrigin: 'sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69',
  /** validCheckpointASCII: signed by the log key (type 0x01, named after the origin). */
  signedCheckpoint:
    'sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69\n' +
    '10\n' +
    'HA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n' +
    '\n' +
    '— sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69 gJ2ho0n8F8olcerUF1FFdv235A/5as/coWrpLrtE7ovMeP5whgwouYExowG/lTznxu6OUGjjt5yJQ6bXtTcf718MqAQ=\n',
  /** testCheckpoint's body: the checkpoint the witness cosigned. */
  cosignedBody: 'example.org/log\n10\nHA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n',
  witnessName: 'example.org/witness',
  cosignatureTime: 1234,
  /**
   * TestCheckpointVerifyCosignatureByKey: "Second line was produced by the test above. First
   * line has a different keyid, third line has a different keyname, fourth line a different
   * signature size."
   */
  cosignatureLines: [
    '— example.org/witness yX8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n',
    '— example.org/witness ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n',
    '— example.org/witness-2 ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n',
    '— example.org/witness ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+CgXX\n',
  ],
};

/**
 * sigsum/sigsum-go pkg/types/tree_head_test.go (commit above), validTreeHeadCosignedData: the
 * cosigned message for size 257, root bytes 0x00…0x1f, at a time beyond 2^53.
 */
export const SIGSUM_COSIGNED_MESSAGE = {
  origin: 'sigsum.org/v1/tree/66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925',
  size: 257,
  time: 72623859790382856n,
  message:
    'cosignature/v1\n' +
    'time 72623859790382856\n' +
    'sigsum.org/v1/tree/66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925\n' +
    '257\n' +
    'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n',
};

/**
 * FiloSottile/torchwood cmd/litewitness (commit 341dc2f0f552a29816955d4834718cd741f1ca64): a
 * Sigsum log's checkpoint sent to the witness in testdata/litewitness.txt, and that log's vkey
 * as README.md prints it.
 */
export const LITEWITNESS = {
  verifierKey:
    'sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562+5202289b+Af/cLU2Y5BJNP+r3iMDC+av9eWCD0fBJVDfzAux5zxAP',
  note:
    'sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562\n' +
    '1\n' +
    'KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n' +
    '\n' +
    '— sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562 UgIom7fPZTqpxWWhyjWduBvTvGVqsokMbqTArsQilegKoFBJQjUFAmQ0+YeSPM3wfUQMFSzVnnNuWRTYrajXpNUbIQY=\n',
};
