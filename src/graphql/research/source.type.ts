import { Field, ID, Int, ObjectType } from "type-graphql";
import { Node } from "../common/node.js";

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    "A page or document a task cites (research, addSource), stored only once its fetch, extraction and text file all succeeded.",
})
export class Source {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => ID, { description: "The task it is a source of." })
  taskId!: string;

  @Field(() => ID, { description: "The workspace its text file is in." })
  workspaceId!: string;

  @Field(() => ID, { nullable: true, description: "The tool call that stored it (research or addSource)." })
  toolCallId!: string | null;

  @Field(() => String, { description: "The URL asked for." })
  url!: string;

  @Field(() => String, { description: "The URL that answered, after redirects." })
  finalUrl!: string;

  @Field(() => String, { description: "Its title (the page's, or the one addSource was given)." })
  title!: string;

  @Field(() => [String], { description: "Its authors as the page or the caller names them; empty when unknown." })
  authors!: string[];

  @Field(() => String, { nullable: true, description: "The site or publisher." })
  siteName!: string | null;

  @Field(() => Date, { nullable: true, description: "When it was published; null when unknown." })
  publishedAt!: Date | null;

  @Field(() => Date, { description: "When it was fetched." })
  accessedAt!: Date;

  @Field(() => String, { description: "The media type it was served as (text/html, application/pdf, …)." })
  contentType!: string;

  @Field(() => String, { description: "SHA-256 (hex) of its extracted text, as its text file holds it." })
  contentHash!: string;

  @Field(() => String, {
    description:
      "The workspace file holding its text (research/sources/NN-<slug>.md): a header, then the text after a marker line.",
  })
  textPath!: string;

  @Field(() => Date, { description: "When it was stored." })
  createdAt!: Date;
}

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description:
    'A claim of a research synthesis and the passage it quotes from a numbered source ([n: "quote"]), checked against the source\'s text.',
})
export class Citation {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => ID, { description: "The task whose research made it." })
  taskId!: string;

  @Field(() => ID, { description: "The research run: the citations of one synthesis share it." })
  researchId!: string;

  @Field(() => Int, { description: "The source number the synthesis cites (1 = the run's first source)." })
  number!: number;

  @Field(() => ID, {
    nullable: true,
    description: "The cited source's id; null when the number names no source of the run.",
  })
  sourceId!: string | null;

  @Field(() => String, {
    description: "The claim: the synthesis' words before the citation, back to the start of the sentence.",
  })
  claim!: string;

  @Field(() => String, { description: "The passage quoted from the source." })
  quote!: string;

  @Field(() => Boolean, {
    description:
      "The quote was found in the source's text (compared without regard to case, whitespace, curly quotes or dashes).",
  })
  verified!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Why it is not verified (after the model's rounds of fixes); null when it is.",
  })
  problem!: string | null;

  @Field(() => Date, { description: "When it was stored." })
  createdAt!: Date;
}
