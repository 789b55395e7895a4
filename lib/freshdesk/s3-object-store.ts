/**
 * The data bucket as the Firehose sink's ObjectStore (dimension snapshots, the checkpoint).
 * Loaded only by `sync --to firehose` (it pulls in the S3 client).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsCallError } from '../aws-errors';
import type { ObjectStore } from './firehose-sink';

export function s3ObjectStore(client: S3Client, bucket: string): ObjectStore {
  return {
    description: `s3://${bucket}`,
    async get(key) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await response.Body!.transformToByteArray());
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') return undefined;
        throw awsCallError(error, 's3:GetObject');
      }
    },
    async put(key, body, contentType) {
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
      } catch (error) {
        throw awsCallError(error, 's3:PutObject');
      }
    },
  };
}
