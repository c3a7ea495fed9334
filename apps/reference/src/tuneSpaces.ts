/**
 * The search space `recforge tune` uses for a model when no `--param` is given, in the flag's
 * syntax (`key=v1,v2` or `key=lo:hi[:log]`): the parameters that move quality most, over ranges
 * wide enough to hold the best value on the built-in data and on the synthetic presets. Every
 * registered model has one (a test checks it); `bench/defaults.ts` tunes each over it and prints
 * default against tuned.
 */
export const TUNE_SPACES: Readonly<Record<string, readonly string[]>> = {
  als: ['l2=0.03:3:log', 'alpha=0.3:30:log'],
  autorec: ['l2=3:300:log', 'learningRate=0.0001:0.003:log'],
  bias: ['l2User=1:50:log', 'l2Item=1:50:log'],
  bpr: ['learningRate=0.005:0.2:log', 'l2=0.0001:0.1:log'],
  cfgan: ['learningRate=0.0003:0.01:log', 'zrWeight=0.03:2:log'],
  content: ['encoder=tfidf,bm25,hashing', 'profile=rating,binary'],
  dpmf: ['learningRate=0.001:0.02:log', 'l2=1:100:log'],
  dppop: ['maxItemsPerUser=10,25,50,100,200'],
  ease: ['lambda=10:5000:log'],
  fedmf: ['learningRate=0.1:2:log', 'l2=1:100:log'],
  gmf: ['learningRate=0.0003:0.01:log', 'factors=8,16,32,64'],
  gru4rec: ['learningRate=0.001:0.02:log', 'dropout=0:0.5'],
  hybrid: ['factors=32,64,128', 'l2=1:100:log'],
  irgan: ['generatorLearningRate=0.001:0.02:log', 'temperature=0.2:1'],
  itemknn: ['neighbors=20,50,100,200,400', 'shrink=0:100'],
  lightgcn: ['learningRate=0.001:0.02:log', 'l2=0.00001:0.001:log'],
  mf: ['learningRate=0.002:0.02:log', 'l2=0.005:0.1:log'],
  mlp: ['learningRate=0.0003:0.01:log', 'negatives=2,4,8'],
  multdae: ['dropout=0.2:0.8', 'learningRate=0.0003:0.01:log'],
  multvae: ['annealCap=0.05:0.5', 'dropout=0.2:0.8'],
  neumf: ['learningRate=0.0003:0.01:log', 'factors=8,16,32'],
  pop: ['weighted=true,false', 'halfLifeDays=0,30,180,720'],
  sasrec: ['learningRate=0.001:0.02:log', 'dropout=0:0.5'],
  svdpp: ['learningRate=0.002:0.02:log', 'l2=0.005:0.1:log'],
}
